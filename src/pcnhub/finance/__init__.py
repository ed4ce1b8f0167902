"""Network money in the web app: rate overrides, entitlements, ARRS workforce plans and claims, access plans."""
