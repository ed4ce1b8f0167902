"""Network money: the rates catalogue, entitlements, ARRS workforce plans (plain Python, no Django)."""
