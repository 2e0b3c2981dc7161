"""Town halls joining on their own (« Mairie vigilante et solidaire ») and the « Participation
citoyenne » partnership between mairie, police or gendarmerie and residents."""
