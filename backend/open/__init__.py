"""The public pages' data, without an account: where Vigie exists (map) and « Vigie en chiffres »."""
