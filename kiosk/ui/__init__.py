"""The lane's pygame screen: views that draw the lane state and report what can be touched, nothing more.

``screen.LaneScreen`` draws a ``LaneState`` (plus the UI-only ``UiLocal``: the PIN being typed, scroll offsets, the
line selected in the attendant menu) for the mode the lane is in, one module per screen (``welcome``, ``selling``,
``payment``, ``finish``, ``closed``, with ``overlays`` and ``attendant`` on top), and returns the buttons of that
frame; the application loop hit-tests them and turns touches into events for the reducer, which alone decides what
happens. Every word comes from the message catalogs in ``locales/`` through ``i18n.tr``; sizes come from
``theme.Metrics``, so the same layout serves 1024x600 to 1920x1080.
"""
