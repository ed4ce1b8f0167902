"""The PCN register: organisations, memberships, list sizes and governance, with history."""
