"""La Gazette: a community's posts (annonces, news, minutes, events, carpools, mairie communications)."""
