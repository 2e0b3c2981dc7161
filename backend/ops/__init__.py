"""Operations: backups and restores (`vigie backup`, `vigie restore`)."""
