"""Payment orchestration over a card terminal (the ZVT saga arrives with the payment issue)."""
