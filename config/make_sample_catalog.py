"""Write ``config/catalog.csv``: the demo lane's catalog of a German supermarket (prices and VAT as of 2026).

Deterministic: running it twice writes the same file. Usage: ``python config/make_sample_catalog.py [OUT]``.

What the rows model, so that a demo exercises every rule of the lane:
- VAT: 7 % for food (milk and milk drinks, bread, produce, coffee, tea, sweets), pet food, flowers and menstrual
  products; 19 % for beverages other than milk (water, juice, soft drinks, plant drinks, beer, wine, spirits),
  non-food, cat litter, tobacco.
- Deposit (Pfand) per unit as sold: 0.25 single-use PET and cans (also milk in PET since 2024), 0.08 reusable beer
  bottles, 0.15 reusable water bottles and swing-top bottles; crates: bottles plus 1.50 for the crate itself.
- Age: beer, wine and sparkling wine 16; spirits, spirit mixes, tobacco and nicotine liquids 18; alcohol-free beer
  and energy drinks 0.
- Weights: gross grams of one unit (contents plus packaging) with a tolerance of about 3 %.
- Loose produce: flag ``weighed``, IFPS-style PLU (4011 bananas, 9xxxx organic), price per kg, no GTIN.
  Produce and bakery sold per piece: a PLU, a price per piece and a unit weight.
- Counter articles (cheese, meat, cold cuts) are weighed and carry the 4-digit article numbers that in-store labels
  embed (EAN-13 prefix 22 price / 28 weight): ``2212342001999`` is Gouda (PLU 1234) for 1.99,
  ``2812347012503`` is 1.250 kg of it.
- GTINs use German GS1 prefixes 400-440 with valid check digits; small articles have EAN-8s. Names are generic.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ["sku", "gtin", "name", "name_de", "name_en", "name_nl", "price", "vat", "deposit", "weight_g",
           "weight_tolerance_g", "min_age", "flags", "plu", "image", "category"]


@dataclass
class Row:
    de: str
    en: str
    nl: str
    price: str
    vat: int = 7
    weight: int | None = None      # gross grams of one unit
    tol: int | None = None
    deposit: str = ""
    age: int = 0
    flags: str = ""
    plu: str = ""
    gtins: int = 1                  # number of GTIN-13s; 0 for PLU-only articles
    ean8: bool = False


def P(de, en, nl, price, vat=7, *, g, pack=0, tol=None, deposit="", age=0, flags="", gtins=1, ean8=False):
    """A packaged article: ``g`` grams of contents plus ``pack`` grams of packaging."""
    weight = g + pack
    return Row(de, en, nl, price, vat, weight, tol if tol is not None else max(5, round(weight * 0.03)),
               deposit, age, flags, gtins=gtins, ean8=ean8)


def W(de, en, nl, price_per_kg, plu, vat=7):
    """Sold by weight: price per kg, a PLU, no GTIN, no unit weight."""
    return Row(de, en, nl, price_per_kg, vat, flags="weighed", plu=plu, gtins=0)


def S(de, en, nl, price, plu, weight, tol, vat=7):
    """Sold per piece without a barcode: a PLU and the weight of one piece."""
    return Row(de, en, nl, price, vat, weight, tol, plu=plu, gtins=0)


# Beverage containers: grams of an empty container.
PET_15, PET_10, PET_05, CAN_05, CAN_033, CAN_025 = 40, 35, 22, 15, 13, 12
GLASS_05, GLASS_033, GLASS_07, GLASS_075_WINE, GLASS_075_SEKT, GLASS_07_SPIRIT = 380, 250, 450, 480, 850, 500
CRATE = 1500


CATALOG: dict[str, tuple[str, list[Row]]] = {
    "Obst & Gemüse": ("OG", [
        W("Bananen", "Bananas", "Bananen", "1.79", "4011"),
        W("Bio-Bananen", "Organic bananas", "Biologische bananen", "2.49", "94011"),
        W("Äpfel Gala", "Gala apples", "Gala-appels", "2.99", "4133"),
        W("Äpfel Fuji", "Fuji apples", "Fuji-appels", "3.29", "4131"),
        W("Äpfel Granny Smith", "Granny Smith apples", "Granny Smith-appels", "2.99", "4017"),
        W("Äpfel Golden Delicious", "Golden Delicious apples", "Golden Delicious-appels", "2.79", "4021"),
        W("Bio-Äpfel Gala", "Organic Gala apples", "Biologische Gala-appels", "3.99", "94133"),
        W("Birnen Williams", "Williams pears", "Williams-peren", "3.49", "4409"),
        W("Orangen", "Oranges", "Sinaasappels", "2.49", "4012"),
        W("Zitronen", "Lemons", "Citroenen", "3.49", "4053"),
        W("Limetten", "Limes", "Limoenen", "4.99", "4048"),
        W("Clementinen", "Clementines", "Clementines", "2.99", "4450"),
        W("Weintrauben hell, kernlos", "Green seedless grapes", "Witte pitloze druiven", "4.99", "4022"),
        W("Weintrauben rot, kernlos", "Red seedless grapes", "Rode pitloze druiven", "4.99", "4023"),
        W("Wassermelone", "Watermelon", "Watermeloen", "1.49", "4032"),
        W("Pfirsiche", "Peaches", "Perziken", "3.99", "4038"),
        W("Nektarinen", "Nectarines", "Nectarines", "3.99", "4036"),
        W("Pflaumen", "Plums", "Pruimen", "3.49", "4040"),
        W("Kirschen", "Cherries", "Kersen", "9.99", "4045"),
        W("Tomaten", "Tomatoes", "Tomaten", "3.49", "4064"),
        W("Rispentomaten", "Vine tomatoes", "Trostomaten", "3.99", "4664"),
        W("Romatomaten", "Roma tomatoes", "Romatomaten", "3.79", "4087"),
        W("Kartoffeln mehligkochend", "Floury potatoes", "Kruimige aardappelen", "1.49", "4072"),
        W("Kartoffeln festkochend", "Waxy potatoes", "Vastkokende aardappelen", "1.59", "4727"),
        W("Süßkartoffeln", "Sweet potatoes", "Zoete aardappelen", "3.49", "4816"),
        W("Zwiebeln", "Onions", "Uien", "1.49", "4093"),
        W("Rote Zwiebeln", "Red onions", "Rode uien", "2.49", "4082"),
        W("Knoblauch", "Garlic", "Knoflook", "7.99", "4608"),
        W("Möhren", "Carrots", "Wortels", "1.29", "4562"),
        W("Bio-Möhren", "Organic carrots", "Biologische wortels", "2.49", "94562"),
        W("Paprika rot", "Red peppers", "Rode paprika", "4.99", "4688"),
        W("Paprika gelb", "Yellow peppers", "Gele paprika", "4.99", "4689"),
        W("Paprika grün", "Green peppers", "Groene paprika", "3.99", "4065"),
        W("Zucchini", "Courgettes", "Courgettes", "2.99", "4067"),
        W("Auberginen", "Aubergines", "Aubergines", "3.49", "4081"),
        W("Brokkoli", "Broccoli", "Broccoli", "3.99", "4060"),
        W("Champignons weiß", "White mushrooms", "Witte champignons", "5.99", "4645"),
        W("Ingwer", "Ginger", "Gember", "7.99", "4612"),
        W("Spargel weiß", "White asparagus", "Witte asperges", "9.99", "4523"),
        S("Salatgurke (Stück)", "Cucumber (each)", "Komkommer (per stuk)", "0.79", "4062", 400, 120),
        S("Eisbergsalat (Stück)", "Iceberg lettuce (each)", "IJsbergsla (per stuk)", "1.29", "4061", 550, 150),
        S("Avocado (Stück)", "Avocado (each)", "Avocado (per stuk)", "0.99", "4046", 200, 60),
        S("Mango (Stück)", "Mango (each)", "Mango (per stuk)", "1.49", "4959", 450, 120),
        S("Ananas (Stück)", "Pineapple (each)", "Ananas (per stuk)", "2.49", "4430", 1400, 400),
        S("Kiwi (Stück)", "Kiwi fruit (each)", "Kiwi (per stuk)", "0.35", "4030", 90, 25),
        S("Blumenkohl (Stück)", "Cauliflower (each)", "Bloemkool (per stuk)", "2.49", "4079", 900, 300),
        S("Honigmelone (Stück)", "Honeydew melon (each)", "Honingmeloen (per stuk)", "2.99", "4034", 1800, 500),
        P("Möhren 1 kg", "Carrots 1 kg", "Wortels 1 kg", "1.29", g=1000, pack=15),
        P("Kartoffeln festkochend 2,5 kg", "Waxy potatoes 2.5 kg", "Vastkokende aardappelen 2,5 kg", "3.49",
          g=2500, pack=30),
        P("Zwiebeln 1 kg Netz", "Onions 1 kg net", "Uien 1 kg net", "1.29", g=1000, pack=10),
        P("Cherrytomaten 250 g", "Cherry tomatoes 250 g", "Cherrytomaten 250 g", "1.49", g=250, pack=20),
        P("Rucola 125 g", "Rocket 125 g", "Rucola 125 g", "1.49", g=125, pack=15),
        P("Feldsalat 150 g", "Lamb's lettuce 150 g", "Veldsla 150 g", "2.29", g=150, pack=20),
        P("Babyspinat 200 g", "Baby spinach 200 g", "Babyspinazie 200 g", "1.99", g=200, pack=15),
        P("Salatmischung 200 g", "Mixed salad 200 g", "Gemengde sla 200 g", "1.79", g=200, pack=15),
        P("Champignons weiß 400 g", "White mushrooms 400 g", "Witte champignons 400 g", "1.99", g=400, pack=20),
        P("Heidelbeeren 250 g", "Blueberries 250 g", "Blauwe bessen 250 g", "2.99", g=250, pack=20),
        P("Erdbeeren 500 g", "Strawberries 500 g", "Aardbeien 500 g", "3.49", g=500, pack=30),
        P("Himbeeren 125 g", "Raspberries 125 g", "Frambozen 125 g", "2.49", g=125, pack=15),
        P("Äpfel Elstar 1 kg", "Elstar apples 1 kg", "Elstar-appels 1 kg", "2.49", g=1000, pack=15),
        P("Bio-Zitronen 500 g", "Organic lemons 500 g", "Biologische citroenen 500 g", "1.99", g=500, pack=10),
        P("Paprika-Mix 3 Stück", "Mixed peppers 3 pieces", "Paprikamix 3 stuks", "2.49", g=500, pack=10, tol=60),
        P("Frühlingszwiebeln (Bund)", "Spring onions (bunch)", "Lente-uien (bos)", "0.79", g=120, tol=30),
        P("Petersilie glatt (Bund)", "Flat-leaf parsley (bunch)", "Platte peterselie (bos)", "0.99", g=50, tol=15),
        P("Basilikum im Topf", "Basil in a pot", "Basilicum in pot", "1.99", g=250, tol=50),
    ]),
    "Brot & Backwaren": ("BB", [
        S("Weizenbrötchen", "White bread roll", "Witte bol", "0.39", "101", 60, 10),
        S("Körnerbrötchen", "Multigrain roll", "Meergranenbol", "0.59", "102", 75, 12),
        S("Roggenbrötchen", "Rye roll", "Roggebol", "0.49", "103", 70, 12),
        S("Laugenbrezel", "Pretzel", "Pretzel", "0.69", "104", 90, 15),
        S("Laugenstange", "Pretzel stick", "Pretzelstokje", "0.69", "105", 80, 15),
        S("Buttercroissant", "Butter croissant", "Roomboter croissant", "0.79", "106", 60, 10),
        S("Schokocroissant", "Chocolate croissant", "Chocoladecroissant", "0.99", "107", 75, 12),
        S("Berliner", "Jam doughnut", "Berlinerbol", "0.99", "108", 80, 15),
        S("Baguette", "Baguette", "Stokbrood", "1.19", "109", 250, 30),
        S("Kürbiskernbrötchen", "Pumpkin seed roll", "Pompoenpittenbol", "0.65", "110", 80, 12),
        S("Mohnbrötchen", "Poppy seed roll", "Maanzaadbol", "0.45", "111", 60, 10),
        S("Ciabatta", "Ciabatta", "Ciabatta", "1.29", "112", 270, 30),
        S("Roggenmischbrot 750 g", "Rye bread 750 g", "Roggebrood 750 g", "2.49", "113", 750, 40),
        S("Zimtschnecke", "Cinnamon roll", "Kaneelbroodje", "1.29", "114", 110, 15),
        S("Apfeltasche", "Apple turnover", "Appelflap", "1.19", "115", 110, 15),
        S("Donut mit Zuckerguss", "Glazed doughnut", "Donut met glazuur", "1.19", "116", 70, 12),
        P("Buttertoast 500 g", "White toast bread 500 g", "Wit toastbrood 500 g", "1.29", g=500, pack=15),
        P("Vollkorntoast 500 g", "Wholemeal toast bread 500 g", "Volkoren toastbrood 500 g", "1.49", g=500, pack=15),
        P("Vollkornbrot geschnitten 500 g", "Sliced wholemeal bread 500 g", "Gesneden volkorenbrood 500 g", "1.49",
          g=500, pack=15),
        P("Roggenmischbrot geschnitten 1 kg", "Sliced rye bread 1 kg", "Gesneden roggebrood 1 kg", "2.29",
          g=1000, pack=20),
        P("Pumpernickel 500 g", "Pumpernickel 500 g", "Pumpernickel 500 g", "1.29", g=500, pack=15),
        P("Knäckebrot 250 g", "Crispbread 250 g", "Knäckebröd 250 g", "1.29", g=250, pack=20),
        P("Zwieback 225 g", "Rusks 225 g", "Beschuit 225 g", "1.39", g=225, pack=20),
        P("Burger-Brötchen 4 Stück", "Burger buns 4 pieces", "Hamburgerbroodjes 4 stuks", "1.69", g=300, pack=10),
        P("Aufbackbrötchen 6 Stück", "Part-baked rolls 6 pieces", "Afbakbroodjes 6 stuks", "1.19", g=360, pack=10),
        P("Weizen-Tortillas 6 Stück", "Wheat tortilla wraps 6 pieces", "Tarwewraps 6 stuks", "1.99", g=370, pack=15),
        P("Rosinenbrötchen 6 Stück", "Raisin buns 6 pieces", "Krentenbollen 6 stuks", "2.19", g=360, pack=10),
    ]),
    "Molkereiprodukte": ("MO", [
        P("Frische Vollmilch 3,5 % 1 l", "Fresh whole milk 3.5 % 1 l", "Verse volle melk 3,5 % 1 l", "1.15",
          g=1030, pack=30, gtins=2),
        P("Frische fettarme Milch 1,5 % 1 l", "Fresh semi-skimmed milk 1.5 % 1 l",
          "Verse halfvolle melk 1,5 % 1 l", "1.05", g=1030, pack=30),
        P("H-Milch 3,5 % 1 l", "UHT whole milk 3.5 % 1 l", "Houdbare volle melk 3,5 % 1 l", "1.09", g=1030, pack=30),
        P("H-Milch 1,5 % 1 l", "UHT semi-skimmed milk 1.5 % 1 l", "Houdbare halfvolle melk 1,5 % 1 l", "0.99",
          g=1030, pack=30),
        P("Weidemilch 3,8 % 1 l PET-Flasche", "Pasture milk 3.8 % 1 l PET bottle", "Weidemelk 3,8 % 1 l PET-fles",
          "1.49", g=1030, pack=PET_10, deposit="0.25"),
        P("Bio-Vollmilch 3,8 % 1 l", "Organic whole milk 3.8 % 1 l", "Biologische volle melk 3,8 % 1 l", "1.45",
          g=1030, pack=30),
        P("Laktosefreie Milch 1,5 % 1 l", "Lactose-free milk 1.5 % 1 l", "Lactosevrije melk 1,5 % 1 l", "1.39",
          g=1030, pack=30),
        P("Buttermilch 500 g", "Buttermilk 500 g", "Karnemelk 500 g", "0.69", g=500, pack=20),
        P("Kefir 500 g", "Kefir 500 g", "Kefir 500 g", "0.99", g=500, pack=20),
        P("Kakao-Milchgetränk 500 ml", "Chocolate milk 500 ml", "Chocolademelk 500 ml", "1.19", g=520, pack=25),
        P("Haferdrink 1 l", "Oat drink 1 l", "Haverdrank 1 l", "1.49", 19, g=1020, pack=30),
        P("Sojadrink 1 l", "Soy drink 1 l", "Sojadrank 1 l", "1.39", 19, g=1020, pack=30),
        P("Mandeldrink 1 l", "Almond drink 1 l", "Amandeldrank 1 l", "1.99", 19, g=1020, pack=30),
        P("Deutsche Markenbutter 250 g", "Butter 250 g", "Roomboter 250 g", "1.79", g=250, pack=5, tol=6),
        P("Streichzarte Butter 250 g", "Spreadable butter 250 g", "Smeerbare roomboter 250 g", "2.29", g=250,
          pack=15),
        P("Margarine 500 g", "Margarine 500 g", "Margarine 500 g", "1.79", g=500, pack=25),
        P("Naturjoghurt 3,5 % 500 g", "Natural yoghurt 3.5 % 500 g", "Volle yoghurt 3,5 % 500 g", "0.89",
          g=500, pack=20),
        P("Joghurt nach griechischer Art 500 g", "Greek-style yoghurt 500 g", "Griekse yoghurt 500 g", "1.59",
          g=500, pack=20),
        P("Fruchtjoghurt Erdbeere 150 g", "Strawberry yoghurt 150 g", "Aardbeienyoghurt 150 g", "0.45", g=150, pack=8),
        P("Fruchtjoghurt Kirsche 150 g", "Cherry yoghurt 150 g", "Kersenyoghurt 150 g", "0.45", g=150, pack=8),
        P("Skyr natur 450 g", "Plain skyr 450 g", "Skyr naturel 450 g", "1.69", g=450, pack=20),
        P("Magerquark 500 g", "Low-fat quark 500 g", "Magere kwark 500 g", "1.29", g=500, pack=20),
        P("Speisequark 20 % 500 g", "Quark 20 % 500 g", "Kwark 20 % 500 g", "1.39", g=500, pack=20),
        P("Schlagsahne 30 % 200 g", "Whipping cream 30 % 200 g", "Slagroom 30 % 200 g", "1.09", g=200, pack=15),
        P("Saure Sahne 200 g", "Sour cream 200 g", "Zure room 200 g", "0.69", g=200, pack=10),
        P("Schmand 24 % 200 g", "Soured cream 24 % 200 g", "Zure room 24 % 200 g", "0.89", g=200, pack=10),
        P("Crème fraîche 200 g", "Crème fraîche 200 g", "Crème fraîche 200 g", "1.19", g=200, pack=10),
        P("Frischkäse Doppelrahmstufe 200 g", "Cream cheese 200 g", "Roomkaas 200 g", "1.19", g=200, pack=12),
        P("Mozzarella 125 g", "Mozzarella 125 g", "Mozzarella 125 g", "0.89", g=220, pack=8),
        P("Gouda jung in Scheiben 400 g", "Sliced young Gouda 400 g", "Jonge Goudse kaas plakken 400 g", "3.49",
          g=400, pack=20),
        P("Emmentaler gerieben 200 g", "Grated Emmental 200 g", "Geraspte Emmentaler 200 g", "1.99", g=200, pack=10),
        P("Hirtenkäse 200 g", "White brine cheese 200 g", "Witte kaas in pekel 200 g", "1.99", g=200, pack=15),
        P("Camembert 125 g", "Camembert 125 g", "Camembert 125 g", "1.49", g=125, pack=15),
        P("Italienischer Hartkäse am Stück 200 g", "Italian hard cheese 200 g", "Italiaanse harde kaas 200 g", "4.49",
          g=200, pack=8),
        P("Butterkäse in Scheiben 150 g", "Sliced butter cheese 150 g", "Boterkaas plakken 150 g", "1.69", g=150,
          pack=10),
        P("Eier Freilandhaltung 10 Stück Gr. M", "Free-range eggs 10 pieces M",
          "Scharreleieren vrije uitloop 10 stuks M", "3.29", g=630, pack=60, tol=30),
        P("Eier Bodenhaltung 10 Stück Gr. M", "Barn eggs 10 pieces M", "Scharreleieren 10 stuks M", "2.69", g=630,
          pack=60, tol=30),
        P("Bio-Eier 6 Stück Gr. M", "Organic eggs 6 pieces M", "Biologische eieren 6 stuks M", "2.69", g=380, pack=40,
          tol=20),
        P("Milchreis 200 g", "Rice pudding 200 g", "Rijstepap 200 g", "0.59", g=200, pack=10),
        P("Schokoladenpudding 4 x 125 g", "Chocolate pudding 4 x 125 g", "Chocoladepudding 4 x 125 g", "1.49",
          g=500, pack=30),
    ]),
    "Käse-, Fleisch- & Wursttheke": ("TH", [
        W("Gouda mittelalt vom Stück", "Medium-aged Gouda (counter)", "Belegen Goudse kaas (toonbank)", "14.90",
          "1234"),
        W("Emmentaler vom Stück", "Emmental (counter)", "Emmentaler (toonbank)", "18.90", "1235"),
        W("Bergkäse vom Stück", "Mountain cheese (counter)", "Bergkaas (toonbank)", "24.90", "1236"),
        W("Tilsiter vom Stück", "Tilsit cheese (counter)", "Tilsiter (toonbank)", "15.90", "1237"),
        W("Hackfleisch gemischt", "Mixed minced meat", "Gemengd gehakt", "10.90", "0815"),
        W("Rinderhackfleisch", "Minced beef", "Rundergehakt", "14.90", "0816"),
        W("Schweineschnitzel", "Pork escalopes", "Varkensschnitzel", "12.90", "0820"),
        W("Rinderrouladen", "Beef roulades", "Runderrollades", "24.90", "0821"),
        W("Hähnchenbrustfilet (Theke)", "Chicken breast fillet (counter)", "Kipfilet (toonbank)", "13.90", "0830"),
        W("Bratwurst grob", "Coarse pork sausage", "Grove braadworst", "11.90", "0840"),
        W("Aufschnitt gemischt", "Assorted cold cuts", "Gemengde vleeswaren", "22.90", "2001"),
        W("Kochschinken", "Cooked ham", "Gekookte ham", "24.90", "2002"),
        W("Salami", "Salami", "Salami", "25.90", "2003"),
        W("Leberkäse", "Leberkäse meat loaf", "Leverkaas", "12.90", "2004"),
        W("Fleischsalat", "Meat salad", "Vleessalade", "12.90", "2005"),
        W("Rohschinken geräuchert", "Smoked raw ham", "Gerookte rauwe ham", "29.90", "2006"),
    ]),
    "Fleisch & Wurst": ("FW", [
        P("Hähnchenbrustfilet 400 g", "Chicken breast fillet 400 g", "Kipfilet 400 g", "5.49", g=400, pack=30),
        P("Hähnchenschenkel 1 kg", "Chicken legs 1 kg", "Kippenbouten 1 kg", "4.49", g=1000, pack=40),
        P("Schweinenackensteaks mariniert 600 g", "Marinated pork neck steaks 600 g",
          "Gemarineerde varkensnekkarbonade 600 g", "5.99", g=600, pack=40),
        P("Rinderhackfleisch 500 g", "Minced beef 500 g", "Rundergehakt 500 g", "5.99", g=500, pack=30),
        P("Hackfleisch gemischt 500 g", "Mixed minced meat 500 g", "Gemengd gehakt 500 g", "4.49", g=500, pack=30),
        P("Putenbrust-Aufschnitt 100 g", "Sliced turkey breast 100 g", "Kalkoenfilet plakken 100 g", "1.49", g=100,
          pack=15),
        P("Salami in Scheiben 100 g", "Sliced salami 100 g", "Salami plakken 100 g", "1.49", g=100, pack=15),
        P("Kochschinken in Scheiben 200 g", "Sliced cooked ham 200 g", "Gekookte ham plakken 200 g", "2.29",
          g=200, pack=20),
        P("Wiener Würstchen 6 Stück 300 g", "Frankfurters 6 pieces 300 g", "Knakworsten 6 stuks 300 g", "2.49",
          g=300, pack=20),
        P("Rostbratwürstchen 400 g", "Grilling sausages 400 g", "Braadworstjes 400 g", "3.29", g=400, pack=25),
        P("Fleischwurst 400 g", "Lyoner sausage 400 g", "Fleischwurst 400 g", "2.79", g=400, pack=10),
        P("Leberwurst fein 125 g", "Liver sausage 125 g", "Leverworst 125 g", "1.19", g=125, pack=10),
        P("Speckwürfel 2 x 100 g", "Diced bacon 2 x 100 g", "Spekblokjes 2 x 100 g", "1.79", g=200, pack=15),
        P("Räucherlachs 100 g", "Smoked salmon 100 g", "Gerookte zalm 100 g", "2.99", g=100, pack=25),
        P("Vegane Grillwürstchen 200 g", "Vegan sausages 200 g", "Vegan worstjes 200 g", "2.49", g=200, pack=20),
        P("Tofu natur 400 g", "Plain tofu 400 g", "Tofu naturel 400 g", "1.99", g=400, pack=20),
    ]),
    "Tiefkühlkost": ("TK", [
        P("Pizza Margherita 350 g", "Pizza Margherita 350 g", "Pizza Margherita 350 g", "1.99", g=350, pack=35),
        P("Pizza Salami 350 g", "Salami pizza 350 g", "Pizza salami 350 g", "2.29", g=350, pack=35),
        P("Blattspinat 750 g", "Leaf spinach 750 g", "Bladspinazie 750 g", "1.29", g=750, pack=15),
        P("Rahmspinat 450 g", "Creamed spinach 450 g", "Spinazie a la crème 450 g", "1.29", g=450, pack=20),
        P("Junge Erbsen 750 g", "Garden peas 750 g", "Doperwten 750 g", "1.49", g=750, pack=15),
        P("Kaisergemüse 1 kg", "Mixed vegetables 1 kg", "Groentemix 1 kg", "1.99", g=1000, pack=15),
        P("Pommes frites 750 g", "French fries 750 g", "Frieten 750 g", "1.79", g=750, pack=15),
        P("Fischstäbchen 15 Stück 450 g", "Fish fingers 15 pieces 450 g", "Vissticks 15 stuks 450 g", "2.99",
          g=450, pack=30),
        P("Lachsfilets 2 x 125 g", "Salmon fillets 2 x 125 g", "Zalmfilets 2 x 125 g", "4.99", g=250, pack=25),
        P("Garnelen gegart 225 g", "Cooked prawns 225 g", "Gekookte garnalen 225 g", "4.99", g=225, pack=25),
        P("Chicken Nuggets 500 g", "Chicken nuggets 500 g", "Kipnuggets 500 g", "3.49", g=500, pack=20),
        P("Kräuterbaguette 2 Stück", "Garlic baguettes 2 pieces", "Kruidenstokbrood 2 stuks", "1.59", g=350,
          pack=20),
        P("Beerenmischung 500 g", "Mixed berries 500 g", "Bessenmix 500 g", "2.99", g=500, pack=15),
        P("Vanilleeis 1 l", "Vanilla ice cream 1 l", "Vanille-ijs 1 l", "2.29", g=550, pack=50, tol=25),
        P("Schoko-Eis am Stiel 6 Stück", "Chocolate ice lollies 6 pieces", "Chocolade-ijsjes 6 stuks", "2.79",
          g=420, pack=40),
    ]),
    "Grundnahrungsmittel": ("GN", [
        P("Spaghetti 500 g", "Spaghetti 500 g", "Spaghetti 500 g", "0.99", g=500, pack=15, tol=10, gtins=2),
        P("Penne 500 g", "Penne 500 g", "Penne 500 g", "0.99", g=500, pack=15, tol=10),
        P("Fusilli 500 g", "Fusilli 500 g", "Fusilli 500 g", "0.99", g=500, pack=15, tol=10),
        P("Vollkorn-Spaghetti 500 g", "Wholewheat spaghetti 500 g", "Volkoren spaghetti 500 g", "1.29", g=500,
          pack=15, tol=10),
        P("Eierspätzle 500 g", "Egg spätzle 500 g", "Spätzle met ei 500 g", "1.69", g=500, pack=15, tol=10),
        P("Lasagneplatten 500 g", "Lasagne sheets 500 g", "Lasagnebladen 500 g", "1.29", g=500, pack=25),
        P("Langkornreis 1 kg", "Long-grain rice 1 kg", "Langkorrelige rijst 1 kg", "1.99", g=1000, pack=15),
        P("Basmatireis 1 kg", "Basmati rice 1 kg", "Basmatirijst 1 kg", "2.99", g=1000, pack=15),
        P("Risottoreis 500 g", "Risotto rice 500 g", "Risottorijst 500 g", "1.99", g=500, pack=15),
        P("Kochbeutelreis 4 x 125 g", "Boil-in-bag rice 4 x 125 g", "Kookzakjes rijst 4 x 125 g", "1.49", g=500,
          pack=20),
        P("Weizenmehl Type 405 1 kg", "Plain flour 1 kg", "Tarwebloem 1 kg", "0.89", g=1000, pack=10),
        P("Dinkelmehl Type 630 1 kg", "Spelt flour 1 kg", "Speltbloem 1 kg", "1.49", g=1000, pack=10),
        P("Zucker 1 kg", "Sugar 1 kg", "Suiker 1 kg", "0.99", g=1000, pack=10, gtins=2),
        P("Puderzucker 250 g", "Icing sugar 250 g", "Poedersuiker 250 g", "0.69", g=250, pack=8),
        P("Jodsalz 500 g", "Iodised salt 500 g", "Gejodeerd zout 500 g", "0.45", g=500, pack=15),
        P("Backpulver 5 Päckchen", "Baking powder 5 sachets", "Bakpoeder 5 zakjes", "0.49", g=75, pack=5, ean8=True),
        P("Sonnenblumenöl 1 l", "Sunflower oil 1 l", "Zonnebloemolie 1 l", "1.99", g=920, pack=40),
        P("Rapsöl 1 l", "Rapeseed oil 1 l", "Raapzaadolie 1 l", "1.99", g=920, pack=40),
        P("Natives Olivenöl extra 750 ml", "Extra virgin olive oil 750 ml", "Extra vierge olijfolie 750 ml", "7.99",
          g=690, pack=400),
        P("Balsamico-Essig 500 ml", "Balsamic vinegar 500 ml", "Balsamicoazijn 500 ml", "1.49", g=520, pack=320),
        P("Tomatenmark 200 g", "Tomato paste 200 g", "Tomatenpuree 200 g", "0.69", g=200, pack=40),
        P("Passierte Tomaten 500 g", "Passata 500 g", "Gezeefde tomaten 500 g", "0.69", g=500, pack=30),
        P("Gehackte Tomaten 400 g Dose", "Chopped tomatoes 400 g tin", "Tomatenblokjes 400 g blik", "0.69", g=400,
          pack=60),
        P("Kidneybohnen 400 g Dose", "Kidney beans 400 g tin", "Kidneybonen 400 g blik", "0.79", g=400, pack=60),
        P("Kichererbsen 400 g Dose", "Chickpeas 400 g tin", "Kikkererwten 400 g blik", "0.89", g=400, pack=60),
        P("Gemüsemais 340 g Dose", "Sweetcorn 340 g tin", "Maïs 340 g blik", "0.99", g=340, pack=55),
        P("Thunfisch in Sonnenblumenöl 195 g", "Tuna in sunflower oil 195 g", "Tonijn in zonnebloemolie 195 g",
          "1.79", g=195, pack=40),
        P("Rote Linsen 500 g", "Red lentils 500 g", "Rode linzen 500 g", "1.79", g=500, pack=10),
        P("Haferflocken kernig 500 g", "Jumbo oats 500 g", "Grove havervlokken 500 g", "0.79", g=500, pack=15),
        P("Tomatenketchup 500 ml", "Tomato ketchup 500 ml", "Tomatenketchup 500 ml", "1.49", g=560, pack=40),
        P("Senf mittelscharf 250 ml", "Medium-hot mustard 250 ml", "Middelscherpe mosterd 250 ml", "0.59",
          g=250, pack=25),
        P("Mayonnaise 500 ml", "Mayonnaise 500 ml", "Mayonaise 500 ml", "1.99", g=470, pack=40),
        P("Gemüsebrühe 150 g", "Vegetable stock 150 g", "Groentebouillon 150 g", "1.49", g=150, pack=60),
        P("Pesto alla Genovese 190 g", "Pesto alla genovese 190 g", "Pesto alla genovese 190 g", "1.99", g=190,
          pack=180),
        P("Pastasauce Basilikum 400 g", "Basil pasta sauce 400 g", "Pastasaus basilicum 400 g", "1.49", g=400,
          pack=200),
        P("Sauerkraut 810 g", "Sauerkraut 810 g", "Zuurkool 810 g", "0.99", g=810, pack=80),
        P("Gewürzgurken 670 g", "Gherkins 670 g", "Augurken 670 g", "1.49", g=670, pack=350),
        P("Apfelmus 720 ml", "Apple sauce 720 ml", "Appelmoes 720 ml", "1.29", g=710, pack=350),
        P("Kokosmilch 400 ml", "Coconut milk 400 ml", "Kokosmelk 400 ml", "1.49", g=400, pack=60),
    ]),
    "Frühstück": ("FR", [
        P("Schoko-Knuspermüsli 500 g", "Chocolate crunchy muesli 500 g", "Chocolade-krokante muesli 500 g", "2.29",
          g=500, pack=30),
        P("Früchte-Müsli 750 g", "Fruit muesli 750 g", "Fruitmuesli 750 g", "2.49", g=750, pack=30),
        P("Cornflakes 500 g", "Cornflakes 500 g", "Cornflakes 500 g", "1.69", g=500, pack=40),
        P("Nuss-Nougat-Creme 400 g", "Hazelnut cocoa spread 400 g", "Hazelnootpasta 400 g", "2.49", g=400,
          pack=230),
        P("Erdbeerkonfitüre 450 g", "Strawberry jam 450 g", "Aardbeienjam 450 g", "1.49", g=450, pack=200),
        P("Aprikosenkonfitüre 450 g", "Apricot jam 450 g", "Abrikozenjam 450 g", "1.59", g=450, pack=200),
        P("Blütenhonig 500 g", "Blossom honey 500 g", "Bloemenhoning 500 g", "3.99", g=500, pack=220),
        P("Erdnussbutter 350 g", "Peanut butter 350 g", "Pindakaas 350 g", "2.29", g=350, pack=180),
        P("Schokoladenstreusel 200 g", "Chocolate sprinkles 200 g", "Chocoladehagelslag 200 g", "1.49", g=200,
          pack=20),
    ]),
    "Kaffee & Tee": ("KT", [
        P("Röstkaffee gemahlen 500 g", "Ground coffee 500 g", "Gemalen koffie 500 g", "8.49", g=500, pack=20),
        P("Kaffee ganze Bohne 1 kg", "Coffee beans 1 kg", "Koffiebonen 1 kg", "16.99", g=1000, pack=30),
        P("Espresso ganze Bohne 1 kg", "Espresso beans 1 kg", "Espressobonen 1 kg", "17.99", g=1000, pack=30),
        P("Entkoffeinierter Kaffee gemahlen 500 g", "Decaffeinated ground coffee 500 g",
          "Cafeïnevrije gemalen koffie 500 g", "8.99", g=500, pack=20),
        P("Kaffeepads Classic 16 Stück", "Coffee pads 16 pieces", "Koffiepads 16 stuks", "2.49", g=112, pack=25),
        P("Kaffeekapseln Lungo 10 Stück", "Lungo coffee capsules 10 pieces", "Lungo koffiecups 10 stuks", "2.79",
          g=55, pack=35),
        P("Instantkaffee 200 g", "Instant coffee 200 g", "Oploskoffie 200 g", "5.49", g=200, pack=250),
        P("Schwarzer Tee 25 Beutel", "Black tea 25 bags", "Zwarte thee 25 zakjes", "1.49", g=44, pack=20),
        P("Grüner Tee 20 Beutel", "Green tea 20 bags", "Groene thee 20 zakjes", "1.69", g=35, pack=20),
        P("Pfefferminztee 25 Beutel", "Peppermint tea 25 bags", "Pepermuntthee 25 zakjes", "0.89", g=38, pack=20),
        P("Kamillentee 20 Beutel", "Camomile tea 20 bags", "Kamillethee 20 zakjes", "0.99", g=30, pack=20),
        P("Früchtetee 20 Beutel", "Fruit tea 20 bags", "Vruchtenthee 20 zakjes", "1.29", g=50, pack=20),
        P("Rooibostee 20 Beutel", "Rooibos tea 20 bags", "Rooibosthee 20 zakjes", "1.49", g=30, pack=20),
        P("Kakaogetränkepulver 500 g", "Drinking chocolate powder 500 g", "Cacaodrankpoeder 500 g", "2.99", g=500,
          pack=30),
        P("Kondensmilch 10 % 340 g", "Evaporated milk 10 % 340 g", "Koffiemelk 10 % 340 g", "1.19", g=340, pack=45),
    ]),
    "Süßwaren & Knabbereien": ("SW", [
        P("Vollmilchschokolade 100 g", "Milk chocolate 100 g", "Melkchocolade 100 g", "1.49", g=100, pack=5),
        P("Zartbitterschokolade 70 % 100 g", "Dark chocolate 70 % 100 g", "Pure chocolade 70 % 100 g", "1.69",
          g=100, pack=5),
        P("Nussschokolade 100 g", "Hazelnut chocolate 100 g", "Hazelnootchocolade 100 g", "1.59", g=100, pack=5),
        P("Weiße Schokolade 100 g", "White chocolate 100 g", "Witte chocolade 100 g", "1.49", g=100, pack=5),
        P("Karamell-Schokoriegel 5 x 45 g", "Caramel chocolate bars 5 x 45 g", "Karamelrepen 5 x 45 g", "2.29",
          g=225, pack=12),
        P("Fruchtgummi 200 g", "Fruit gums 200 g", "Winegums 200 g", "1.19", g=200, pack=8),
        P("Lakritz 200 g", "Liquorice 200 g", "Drop 200 g", "1.19", g=200, pack=8),
        P("Kaugummi Pfefferminz 10 Dragees", "Peppermint chewing gum 10 pieces", "Kauwgom pepermunt 10 stuks",
          "0.99", g=14, pack=4, tol=3, ean8=True),
        P("Pfefferminzbonbons 50 g", "Peppermints 50 g", "Pepermuntjes 50 g", "0.99", g=50, pack=6, ean8=True),
        P("Kartoffelchips Paprika 175 g", "Paprika crisps 175 g", "Paprikachips 175 g", "1.69", g=175, pack=10),
        P("Kartoffelchips gesalzen 175 g", "Salted crisps 175 g", "Chips naturel 175 g", "1.69", g=175, pack=10),
        P("Tortilla-Chips Salz 200 g", "Salted tortilla chips 200 g", "Tortillachips zout 200 g", "1.49", g=200,
          pack=10),
        P("Salzstangen 250 g", "Pretzel sticks 250 g", "Zoute stengels 250 g", "0.89", g=250, pack=10),
        P("Erdnüsse geröstet und gesalzen 200 g", "Roasted salted peanuts 200 g",
          "Geroosterde gezouten pinda's 200 g", "1.69", g=200, pack=10),
        P("Studentenfutter 200 g", "Trail mix 200 g", "Studentenhaver 200 g", "2.29", g=200, pack=10),
        P("Butterkekse 200 g", "Butter biscuits 200 g", "Boterkoekjes 200 g", "1.19", g=200, pack=10),
        P("Doppelkekse Schoko 500 g", "Chocolate sandwich biscuits 500 g", "Dubbele chocoladekoekjes 500 g", "1.79",
          g=500, pack=20),
        P("Haselnusswaffeln 150 g", "Hazelnut wafers 150 g", "Hazelnootwafels 150 g", "1.29", g=150, pack=8),
        P("Popcorn süß 100 g", "Sweet popcorn 100 g", "Zoete popcorn 100 g", "1.29", g=100, pack=8),
        P("Müsliriegel 6 x 25 g", "Cereal bars 6 x 25 g", "Mueslirepen 6 x 25 g", "1.69", g=150, pack=15),
        P("Pralinenmischung 200 g", "Assorted chocolates 200 g", "Bonbons assorti 200 g", "5.99", g=200, pack=60),
    ]),
    "Getränke": ("GT", [
        P("Mineralwasser classic 1,5 l", "Sparkling mineral water 1.5 l", "Mineraalwater bruisend 1,5 l", "0.25", 19,
          g=1500, pack=PET_15, deposit="0.25"),
        P("Mineralwasser medium 1,5 l", "Lightly sparkling mineral water 1.5 l", "Mineraalwater licht bruisend 1,5 l",
          "0.25", 19, g=1500, pack=PET_15, deposit="0.25"),
        P("Mineralwasser still 1,5 l", "Still mineral water 1.5 l", "Mineraalwater plat 1,5 l", "0.25", 19,
          g=1500, pack=PET_15, deposit="0.25"),
        P("Mineralwasser classic 6 x 1,5 l", "Sparkling mineral water 6 x 1.5 l", "Mineraalwater bruisend 6 x 1,5 l",
          "1.50", 19, g=9000, pack=6 * PET_15 + 20, tol=150, deposit="1.50", flags="no_bag"),
        P("Mineralwasser still 6 x 1,5 l", "Still mineral water 6 x 1.5 l", "Mineraalwater plat 6 x 1,5 l",
          "1.50", 19, g=9000, pack=6 * PET_15 + 20, tol=150, deposit="1.50", flags="no_bag"),
        P("Mineralwasser still 0,5 l", "Still mineral water 0.5 l", "Mineraalwater plat 0,5 l", "0.39", 19, g=500,
          pack=PET_05, deposit="0.25"),
        P("Mineralwasser classic 1 l Mehrweg-PET", "Sparkling mineral water 1 l returnable PET",
          "Mineraalwater bruisend 1 l retourfles", "0.59", 19, g=1000, pack=60, deposit="0.15"),
        P("Mineralwasser Kasten 12 x 0,7 l Glas", "Mineral water crate 12 x 0.7 l glass",
          "Mineraalwater krat 12 x 0,7 l glas", "6.49", 19, g=12 * 700, pack=12 * GLASS_07 + CRATE, tol=300,
          deposit="3.30", flags="no_bag"),
        P("Mineralwasser Kasten 12 x 1 l Mehrweg-PET", "Mineral water crate 12 x 1 l returnable PET",
          "Mineraalwater krat 12 x 1 l retourfles", "5.99", 19, g=12 * 1000, pack=12 * 60 + CRATE, tol=300,
          deposit="3.30", flags="no_bag"),
        P("Orangensaft 100 % 1 l", "Orange juice 100 % 1 l", "Sinaasappelsap 100 % 1 l", "1.99", 19, g=1040, pack=35),
        P("Apfelsaft klar 1 l", "Clear apple juice 1 l", "Helder appelsap 1 l", "1.29", 19, g=1040, pack=35),
        P("Multivitaminsaft 1 l", "Multivitamin juice 1 l", "Multivitaminesap 1 l", "1.49", 19, g=1040, pack=35),
        P("Orangensaft 1 l PET-Flasche", "Orange juice 1 l PET bottle", "Sinaasappelsap 1 l PET-fles", "2.29", 19,
          g=1040, pack=PET_10, deposit="0.25"),
        P("Apfelschorle 1,5 l", "Apple spritzer 1.5 l", "Appelspritzer 1,5 l", "0.99", 19, g=1530, pack=PET_15,
          deposit="0.25"),
        P("Apfelschorle 0,5 l", "Apple spritzer 0.5 l", "Appelspritzer 0,5 l", "0.79", 19, g=510, pack=PET_05,
          deposit="0.25"),
        P("Cola 1,5 l", "Cola 1.5 l", "Cola 1,5 l", "0.95", 19, g=1560, pack=PET_15, deposit="0.25"),
        P("Cola zuckerfrei 1,5 l", "Sugar-free cola 1.5 l", "Cola suikervrij 1,5 l", "0.95", 19, g=1500,
          pack=PET_15, deposit="0.25"),
        P("Cola 0,33 l Dose", "Cola 0.33 l can", "Cola 0,33 l blik", "0.69", 19, g=345, pack=CAN_033,
          deposit="0.25"),
        P("Orangenlimonade 1,5 l", "Orange soda 1.5 l", "Sinaasappellimonade 1,5 l", "0.89", 19, g=1550,
          pack=PET_15, deposit="0.25"),
        P("Zitronenlimonade 1,5 l", "Lemon soda 1.5 l", "Citroenlimonade 1,5 l", "0.89", 19, g=1550, pack=PET_15,
          deposit="0.25"),
        P("Eistee Pfirsich 1,5 l", "Peach iced tea 1.5 l", "Perzik-ijsthee 1,5 l", "0.99", 19, g=1540, pack=PET_15,
          deposit="0.25"),
        P("Tonic Water 1 l", "Tonic water 1 l", "Tonic 1 l", "1.29", 19, g=1030, pack=PET_10, deposit="0.25"),
        P("Energy Drink 0,25 l Dose", "Energy drink 0.25 l can", "Energiedrank 0,25 l blik", "1.19", 19, g=265,
          pack=CAN_025, deposit="0.25"),
        P("Energy Drink zuckerfrei 0,25 l Dose", "Sugar-free energy drink 0.25 l can",
          "Energiedrank suikervrij 0,25 l blik", "1.19", 19, g=255, pack=CAN_025, deposit="0.25"),
    ]),
    "Bier & Wein": ("BW", [
        P("Pils 0,5 l Dose", "Pilsner 0.5 l can", "Pils 0,5 l blik", "0.79", 19, g=505, pack=CAN_05, deposit="0.25",
          age=16),
        P("Pils 0,5 l Flasche", "Pilsner 0.5 l bottle", "Pils 0,5 l fles", "0.89", 19, g=505, pack=GLASS_05,
          deposit="0.08", age=16),
        P("Pils 0,33 l Flasche", "Pilsner 0.33 l bottle", "Pils 0,33 l fles", "0.79", 19, g=335, pack=GLASS_033,
          deposit="0.08", age=16),
        P("Pils Kasten 20 x 0,5 l", "Pilsner crate 20 x 0.5 l", "Pils krat 20 x 0,5 l", "14.99", 19, g=20 * 505,
          pack=20 * GLASS_05 + CRATE, tol=300, deposit="3.10", age=16, flags="no_bag"),
        P("Pils Kasten 24 x 0,33 l", "Pilsner crate 24 x 0.33 l", "Pils krat 24 x 0,33 l", "15.99", 19, g=24 * 335,
          pack=24 * GLASS_033 + CRATE, tol=300, deposit="3.42", age=16, flags="no_bag"),
        P("Pils Sixpack 6 x 0,33 l", "Pilsner six-pack 6 x 0.33 l", "Pils sixpack 6 x 0,33 l", "4.99", 19,
          g=6 * 335, pack=6 * GLASS_033 + 80, tol=80, deposit="0.48", age=16),
        P("Helles 0,5 l Flasche", "Lager 0.5 l bottle", "Lager 0,5 l fles", "0.99", 19, g=505, pack=GLASS_05,
          deposit="0.08", age=16),
        P("Helles Kasten 20 x 0,5 l", "Lager crate 20 x 0.5 l", "Lager krat 20 x 0,5 l", "16.99", 19, g=20 * 505,
          pack=20 * GLASS_05 + CRATE, tol=300, deposit="3.10", age=16, flags="no_bag"),
        P("Weißbier 0,5 l Flasche", "Wheat beer 0.5 l bottle", "Witbier 0,5 l fles", "1.09", 19, g=505,
          pack=GLASS_05, deposit="0.08", age=16),
        P("Alkoholfreies Weißbier 0,5 l Flasche", "Alcohol-free wheat beer 0.5 l bottle",
          "Alcoholvrij witbier 0,5 l fles", "1.09", 19, g=505, pack=GLASS_05, deposit="0.08"),
        P("Alkoholfreies Pils 0,5 l Dose", "Alcohol-free pilsner 0.5 l can", "Alcoholvrij pils 0,5 l blik", "0.79",
          19, g=505, pack=CAN_05, deposit="0.25"),
        P("Radler 0,5 l Dose", "Shandy 0.5 l can", "Radler 0,5 l blik", "0.79", 19, g=510, pack=CAN_05,
          deposit="0.25", age=16),
        P("Export 0,5 l Flasche", "Export beer 0.5 l bottle", "Exportbier 0,5 l fles", "0.89", 19, g=505,
          pack=GLASS_05, deposit="0.08", age=16),
        P("Landbier 0,5 l Bügelflasche", "Country beer 0.5 l swing-top bottle", "Landbier 0,5 l beugelfles", "1.29",
          19, g=505, pack=450, deposit="0.15", age=16),
        P("Rotwein Merlot trocken 0,75 l", "Merlot red wine dry 0.75 l", "Rode wijn merlot droog 0,75 l", "4.99", 19,
          g=745, pack=GLASS_075_WINE, tol=40, age=16),
        P("Rotwein halbtrocken 0,75 l", "Medium-dry red wine 0.75 l", "Rode wijn halfdroog 0,75 l", "3.99", 19,
          g=745, pack=GLASS_075_WINE, tol=40, age=16),
        P("Riesling trocken 0,75 l", "Riesling dry 0.75 l", "Riesling droog 0,75 l", "5.49", 19, g=745,
          pack=GLASS_075_WINE, tol=40, age=16),
        P("Grauburgunder trocken 0,75 l", "Pinot gris dry 0.75 l", "Grauburgunder droog 0,75 l", "6.99", 19, g=745,
          pack=GLASS_075_WINE, tol=40, age=16),
        P("Roséwein 0,75 l", "Rosé wine 0.75 l", "Roséwijn 0,75 l", "4.49", 19, g=745, pack=GLASS_075_WINE, tol=40,
          age=16),
        P("Sekt trocken 0,75 l", "Sparkling wine dry 0.75 l", "Mousserende wijn droog 0,75 l", "4.49", 19, g=745,
          pack=GLASS_075_SEKT, tol=50, age=16),
        P("Italienischer Perlwein 0,75 l", "Italian semi-sparkling wine 0.75 l", "Italiaanse parelwijn 0,75 l",
          "4.99", 19, g=745, pack=GLASS_075_SEKT, tol=50, age=16),
        P("Alkoholfreier Sekt 0,75 l", "Alcohol-free sparkling wine 0.75 l", "Alcoholvrije mousserende wijn 0,75 l",
          "3.99", 19, g=750, pack=GLASS_075_SEKT, tol=50),
    ]),
    "Spirituosen": ("SP", [
        P("Wodka 0,7 l", "Vodka 0.7 l", "Wodka 0,7 l", "9.99", 19, g=665, pack=GLASS_07_SPIRIT, tol=40, age=18),
        P("Doppelkorn 0,7 l", "Grain spirit 0.7 l", "Graanjenever 0,7 l", "7.99", 19, g=665, pack=GLASS_07_SPIRIT,
          tol=40, age=18),
        P("Weißer Rum 0,7 l", "White rum 0.7 l", "Witte rum 0,7 l", "11.99", 19, g=665, pack=GLASS_07_SPIRIT,
          tol=40, age=18),
        P("Dry Gin 0,7 l", "Dry gin 0.7 l", "Dry gin 0,7 l", "16.99", 19, g=665, pack=GLASS_07_SPIRIT, tol=40,
          age=18),
        P("Blended Scotch Whisky 0,7 l", "Blended Scotch whisky 0.7 l", "Blended Scotch whisky 0,7 l", "14.99", 19,
          g=665, pack=GLASS_07_SPIRIT, tol=40, age=18),
        P("Single Malt Scotch Whisky 12 Jahre 0,7 l", "Single malt Scotch whisky 12 years 0.7 l",
          "Single malt Scotch whisky 12 jaar 0,7 l", "29.99", 19, g=665, pack=GLASS_07_SPIRIT + 150, tol=40, age=18,
          flags="high_value"),
        P("Französischer Weinbrand VSOP 0,7 l", "French brandy VSOP 0.7 l", "Franse brandewijn VSOP 0,7 l", "34.99",
          19, g=665, pack=GLASS_07_SPIRIT + 150, tol=40, age=18, flags="high_value"),
        P("Weinbrand 0,7 l", "Brandy 0.7 l", "Brandewijn 0,7 l", "9.99", 19, g=665, pack=GLASS_07_SPIRIT, tol=40,
          age=18),
        P("Kräuterlikör 0,7 l", "Herbal liqueur 0.7 l", "Kruidenlikeur 0,7 l", "13.99", 19, g=700,
          pack=GLASS_07_SPIRIT, tol=40, age=18),
        P("Eierlikör 0,7 l", "Egg liqueur 0.7 l", "Advocaat 0,7 l", "7.99", 19, g=750, pack=GLASS_07_SPIRIT, tol=40,
          age=18),
        P("Wodka-Energy 0,33 l Dose", "Vodka energy mix 0.33 l can", "Wodka-energy 0,33 l blik", "2.49", 19, g=340,
          pack=CAN_033, deposit="0.25", age=18),
        P("Kräuterschnaps 20 ml", "Herbal schnapps 20 ml", "Kruidenbitter 20 ml", "0.99", 19, g=20, pack=30, tol=5,
          age=18, ean8=True),
    ]),
    "Drogerie & Kosmetik": ("DK", [
        P("Duschgel 250 ml", "Shower gel 250 ml", "Douchegel 250 ml", "0.99", 19, g=255, pack=30),
        P("Shampoo 300 ml", "Shampoo 300 ml", "Shampoo 300 ml", "1.29", 19, g=305, pack=35),
        P("Spülung 300 ml", "Conditioner 300 ml", "Conditioner 300 ml", "1.29", 19, g=300, pack=35),
        P("Zahnpasta 75 ml", "Toothpaste 75 ml", "Tandpasta 75 ml", "0.89", 19, g=100, pack=20),
        P("Zahnbürsten mittel 2 Stück", "Toothbrushes medium 2 pieces", "Tandenborstels medium 2 stuks", "1.79", 19,
          g=40, pack=25),
        P("Elektrische Zahnbürste", "Electric toothbrush", "Elektrische tandenborstel", "39.99", 19, g=350, pack=200,
          tol=30, flags="high_value"),
        P("Aufsteckbürsten 4 Stück", "Replacement brush heads 4 pieces", "Opzetborstels 4 stuks", "14.99", 19,
          g=24, pack=40, flags="high_value"),
        P("Rasierklingen 8 Stück", "Razor blades 8 pieces", "Scheermesjes 8 stuks", "19.99", 19, g=30, pack=40,
          flags="high_value"),
        P("Einwegrasierer 5 Stück", "Disposable razors 5 pieces", "Wegwerpscheermesjes 5 stuks", "3.49", 19, g=60,
          pack=30),
        P("Rasierschaum 300 ml", "Shaving foam 300 ml", "Scheerschuim 300 ml", "1.49", 19, g=270, pack=60),
        P("Deo-Roller 50 ml", "Roll-on deodorant 50 ml", "Deoroller 50 ml", "1.49", 19, g=50, pack=35),
        P("Deospray 150 ml", "Deodorant spray 150 ml", "Deospray 150 ml", "1.79", 19, g=100, pack=45),
        P("Flüssigseife 500 ml", "Liquid hand soap 500 ml", "Vloeibare handzeep 500 ml", "0.89", 19, g=505, pack=45),
        P("Handcreme 100 ml", "Hand cream 100 ml", "Handcrème 100 ml", "1.29", 19, g=100, pack=20),
        P("Sonnenmilch LSF 30 200 ml", "Sun lotion SPF 30 200 ml", "Zonnebrandmelk SPF 30 200 ml", "4.99", 19,
          g=200, pack=35),
        P("Eau de Toilette 50 ml", "Eau de toilette 50 ml", "Eau de toilette 50 ml", "24.99", 19, g=45, pack=180,
          tol=15, flags="high_value"),
        P("Haarspray 250 ml", "Hairspray 250 ml", "Haarlak 250 ml", "1.49", 19, g=170, pack=60),
        P("Lippenpflegestift", "Lip balm", "Lippenbalsem", "0.99", 19, g=5, pack=8, tol=3, ean8=True),
        P("Tampons normal 32 Stück", "Tampons regular 32 pieces", "Tampons normaal 32 stuks", "1.79", 7, g=90,
          pack=20),
        P("Damenbinden normal 16 Stück", "Sanitary pads regular 16 pieces", "Maandverband normaal 16 stuks", "1.29",
          7, g=130, pack=15),
        P("Wattepads 120 Stück", "Cotton pads 120 pieces", "Wattenschijfjes 120 stuks", "0.89", 19, g=70, pack=10),
        P("Wattestäbchen 200 Stück", "Cotton buds 200 pieces", "Wattenstaafjes 200 stuks", "0.79", 19, g=45,
          pack=25),
        P("Taschentücher 10 x 10 Stück", "Tissues 10 x 10 pieces", "Zakdoekjes 10 x 10 stuks", "1.29", 19, g=200,
          pack=15),
        P("Toilettenpapier 3-lagig 8 Rollen", "Toilet paper 3-ply 8 rolls", "Toiletpapier 3-laags 8 rollen", "3.79",
          19, g=1050, pack=30, tol=60),
        P("Küchenrolle 4 Rollen", "Kitchen roll 4 rolls", "Keukenrol 4 rollen", "2.49", 19, g=600, pack=20, tol=40),
        P("Pflaster 20 Stück", "Plasters 20 pieces", "Pleisters 20 stuks", "1.49", 19, g=15, pack=20),
        P("Kondome 8 Stück", "Condoms 8 pieces", "Condooms 8 stuks", "6.99", 19, g=30, pack=25),
    ]),
    "Haushalt": ("HH", [
        P("Handspülmittel 500 ml", "Washing-up liquid 500 ml", "Afwasmiddel 500 ml", "0.79", 19, g=520, pack=35),
        P("Spülmaschinentabs 40 Stück", "Dishwasher tablets 40 pieces", "Vaatwastabletten 40 stuks", "4.99", 19,
          g=720, pack=60),
        P("Vollwaschmittel Pulver 1,35 kg", "Washing powder 1.35 kg", "Waspoeder 1,35 kg", "3.99", 19, g=1350,
          pack=80),
        P("Colorwaschmittel flüssig 1,1 l", "Liquid colour detergent 1.1 l", "Vloeibaar kleurwasmiddel 1,1 l",
          "3.99", 19, g=1150, pack=70),
        P("Weichspüler 1 l", "Fabric softener 1 l", "Wasverzachter 1 l", "1.49", 19, g=1000, pack=60),
        P("Allzweckreiniger 1 l", "All-purpose cleaner 1 l", "Allesreiniger 1 l", "0.99", 19, g=1010, pack=55),
        P("Glasreiniger 500 ml", "Glass cleaner 500 ml", "Glasreiniger 500 ml", "0.99", 19, g=500, pack=60),
        P("WC-Reiniger 750 ml", "Toilet cleaner 750 ml", "Toiletreiniger 750 ml", "0.99", 19, g=780, pack=70),
        P("Müllbeutel 35 l 25 Stück", "Bin bags 35 l 25 pieces", "Vuilniszakken 35 l 25 stuks", "1.49", 19, g=180,
          pack=10),
        P("Gefrierbeutel 3 l 50 Stück", "Freezer bags 3 l 50 pieces", "Diepvrieszakjes 3 l 50 stuks", "0.99", 19,
          g=110, pack=15),
        P("Alufolie 30 m", "Aluminium foil 30 m", "Aluminiumfolie 30 m", "1.99", 19, g=400, pack=60),
        P("Frischhaltefolie 30 m", "Cling film 30 m", "Huishoudfolie 30 m", "0.99", 19, g=130, pack=60),
        P("Backpapier 8 m", "Baking paper 8 m", "Bakpapier 8 m", "1.09", 19, g=190, pack=50),
        P("Schwammtücher 3 Stück", "Sponge cloths 3 pieces", "Sponsdoekjes 3 stuks", "1.19", 19, g=60, pack=8),
        P("Topfreiniger 5 Stück", "Scouring pads 5 pieces", "Schuursponsjes 5 stuks", "0.89", 19, g=50, pack=8),
        P("Batterien Mignon AA 4 Stück", "AA batteries 4 pieces", "AA-batterijen 4 stuks", "2.99", 19, g=92,
          pack=15),
        P("Batterien Micro AAA 4 Stück", "AAA batteries 4 pieces", "AAA-batterijen 4 stuks", "2.99", 19, g=46,
          pack=15),
        P("LED-Lampe E27 806 lm", "LED bulb E27 806 lm", "LED-lamp E27 806 lm", "2.49", 19, g=45, pack=30),
        P("Teelichter 50 Stück", "Tea lights 50 pieces", "Waxinelichtjes 50 stuks", "1.99", 19, g=600, pack=30),
        P("Streichhölzer 10 Schachteln", "Matches 10 boxes", "Lucifers 10 doosjes", "0.99", 19, g=90, pack=10,
          ean8=True),
        P("Einwegfeuerzeug", "Disposable lighter", "Wegwerpaansteker", "0.69", 19, g=20, pack=2, tol=3, ean8=True),
        P("Grillbriketts 3 kg", "Charcoal briquettes 3 kg", "Houtskoolbriketten 3 kg", "4.99", 19, g=3000, pack=60,
          tol=100, flags="no_bag"),
    ]),
    "Tiernahrung": ("TN", [
        P("Katzenfutter Rind 100 g", "Cat food beef 100 g", "Kattenvoer rund 100 g", "0.39", g=100, pack=15),
        P("Katzenfutter Geflügel 100 g", "Cat food poultry 100 g", "Kattenvoer gevogelte 100 g", "0.39", g=100,
          pack=15),
        P("Katzen-Trockenfutter 1 kg", "Dry cat food 1 kg", "Droog kattenvoer 1 kg", "2.99", g=1000, pack=30),
        P("Hundefutter Rind 800 g Dose", "Dog food beef 800 g tin", "Hondenvoer rund 800 g blik", "1.49", g=800,
          pack=75),
        P("Hundefutter Geflügel 400 g Dose", "Dog food poultry 400 g tin", "Hondenvoer gevogelte 400 g blik", "0.99",
          g=400, pack=55),
        P("Hunde-Trockenfutter 3 kg", "Dry dog food 3 kg", "Droog hondenvoer 3 kg", "6.99", g=3000, pack=60,
          tol=90),
        P("Kauknochen 4 Stück", "Chew bones 4 pieces", "Kauwbotten 4 stuks", "1.99", g=140, pack=10),
        P("Wildvogelfutter 1 kg", "Wild bird food 1 kg", "Vogelvoer 1 kg", "1.99", g=1000, pack=15),
        P("Klumpstreu 10 l", "Clumping cat litter 10 l", "Klonterende kattenbakvulling 10 l", "3.49", 19, g=7000,
          pack=50, tol=200, flags="no_bag"),
    ]),
    "Tabakwaren": ("TB", [
        P("Zigaretten Classic 20 Stück", "Cigarettes classic 20 pieces", "Sigaretten classic 20 stuks", "9.20", 19,
          g=16, pack=10, tol=3, age=18),
        P("Zigaretten Blau 20 Stück", "Cigarettes blue 20 pieces", "Sigaretten blauw 20 stuks", "9.20", 19, g=16,
          pack=10, tol=3, age=18),
        P("Zigaretten Big Pack 27 Stück", "Cigarettes big pack 27 pieces", "Sigaretten big pack 27 stuks", "12.20", 19,
          g=22, pack=12, tol=3, age=18),
        P("Feinschnitt-Tabak 30 g", "Fine-cut tobacco 30 g", "Shag 30 g", "8.60", 19, g=30, pack=8, tol=3, age=18),
        P("Zigarillos 10 Stück", "Cigarillos 10 pieces", "Cigarillo's 10 stuks", "5.00", 19, g=30, pack=20, tol=4,
          age=18),
        P("Nikotin-Liquid 10 ml", "Nicotine e-liquid 10 ml", "Nicotine e-liquid 10 ml", "5.95", 19, g=10, pack=15,
          tol=3, age=18),
        P("Zigarettenhülsen 200 Stück", "Cigarette tubes 200 pieces", "Sigarettenhulzen 200 stuks", "1.49", 19,
          g=60, pack=30),
    ]),
    "Blumen & Pflanzen": ("BP", [
        P("Tulpen 10 Stück", "Tulips 10 stems", "Tulpen 10 stuks", "3.99", g=450, tol=100),
        P("Rosen rot 10 Stück", "Red roses 10 stems", "Rode rozen 10 stuks", "5.99", g=500, tol=100),
        P("Sonnenblumen 3 Stück", "Sunflowers 3 stems", "Zonnebloemen 3 stuks", "3.49", g=600, tol=150),
        P("Blumenstrauß der Saison", "Seasonal bouquet", "Seizoensboeket", "6.99", g=700, tol=200),
        P("Orchidee im Topf", "Potted orchid", "Orchidee in pot", "9.99", g=900, tol=250),
    ]),
    "Baby": ("BY", [
        P("Babybrei Karotte 190 g", "Baby food carrot 190 g", "Babyvoeding wortel 190 g", "0.89", g=190, pack=130),
        P("Quetschbeutel Apfel-Banane 100 g", "Apple-banana pouch 100 g", "Knijpzakje appel-banaan 100 g", "0.89",
          g=100, pack=10),
        P("Säuglingsmilchnahrung Pre 800 g", "Infant formula first milk 800 g", "Zuigelingenvoeding 1 800 g", "17.99",
          g=800, pack=200, tol=30, flags="high_value"),
        P("Windeln Größe 4 (9-14 kg) 42 Stück", "Nappies size 4 (9-14 kg) 42 pieces",
          "Luiers maat 4 (9-14 kg) 42 stuks", "7.49", 19, g=1500, pack=60, tol=60),
        P("Baby-Feuchttücher 80 Stück", "Baby wipes 80 pieces", "Babydoekjes 80 stuks", "0.99", 19, g=450, pack=20),
    ]),
}


def check_digit(payload: str) -> str:
    """GS1 mod-10 check digit: weights 3, 1, 3, ... from the rightmost payload digit."""
    total = sum((ord(c) - 48) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


def gtin13(k: int, category_no: int) -> str:
    """A made-up but well-formed German GTIN-13: GS1 prefix 400-440, a 'company' per category, an article."""
    prefix = 400 + (k * 7) % 41
    company = 1000 + 53 * category_no + k % 3
    payload = f"{prefix}{company:04d}{(10007 * k) % 100000:05d}"
    return payload + check_digit(payload)


def ean8(k: int) -> str:
    payload = f"40{(313 * k) % 100000:05d}"
    return payload + check_digit(payload)


def rows() -> list[dict[str, str]]:
    out = []
    seen_gtins: set[str] = set()
    k = 0
    for category_no, (category, (code, articles)) in enumerate(CATALOG.items()):
        for n, a in enumerate(articles, start=1):
            k += 1
            codes = []
            if a.ean8:
                codes.append(ean8(k))
            for extra in range(a.gtins):
                codes.append(gtin13(k + 1000 * extra, category_no))
            for code_ in codes:
                if code_.zfill(14) in seen_gtins:
                    raise SystemExit(f"GTIN {code_} generated twice: change the numbering")
                seen_gtins.add(code_.zfill(14))
            out.append({
                "sku": f"{code}{n:04d}",
                "gtin": "|".join(codes),
                "name": a.de,
                "name_de": a.de,
                "name_en": a.en,
                "name_nl": a.nl,
                "price": a.price,
                "vat": str(a.vat),
                "deposit": a.deposit,
                "weight_g": "" if a.weight is None else str(a.weight),
                "weight_tolerance_g": "" if a.tol is None else str(a.tol),
                "min_age": str(a.age) if a.age else "",
                "flags": a.flags,
                "plu": a.plu,
                "image": "",
                "category": category,
            })
    return out


def main(argv: list[str]) -> None:
    target = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "catalog.csv"
    data = rows()
    with open(target, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(data)
    print(f"wrote {len(data)} items in {len(CATALOG)} categories to {target}")


if __name__ == "__main__":
    main(sys.argv)
