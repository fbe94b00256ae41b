"""DirectGUI screens: login, in-world HUD, messages; every string from client.i18n."""
