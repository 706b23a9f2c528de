"""The main screen: browse mounts and secrets, and the Audit and Review tabs."""
