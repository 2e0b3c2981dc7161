// « de » and « à » before a place name, contracted as French wants: « les nouvelles des Tilleuls »,
// « la mairie du Bourg », « de la Gare », « de l'Étang », « d'Orval », « au Mans », « aux Ulis ».
// The same rules as backend/lib/french.py. A commune keeps its official capital where nothing
// contracts (« de La Rochelle »: proper = true); a neighbourhood's name is a common phrase
// (« de la Gare »). Only for places: surnames are never contracted (« la veille de Le Goff »).

const ARTICLE = /^(?:(les|le|la)\s+|(l)['’]\s*)(?=\S)/i;
const VOWEL = /^[aeiouœæ]/i;

function split(place) {
  const match = ARTICLE.exec(place);
  if (!match) return ["", place];
  const article = (match[1] || match[2]).toLowerCase();
  return [article === "l" ? "l'" : article, place.slice(match[0].length)];
}

function joined(article, rest) {
  return article.endsWith("'") ? article + rest : `${article} ${rest}`;
}

function startsWithVowel(text) {
  return VOWEL.test(text.normalize("NFD"));
}

/** "de" or "à" (either capitalised, as at the start of a sentence) followed by `place`, contracted. */
export function withPreposition(preposition, place, proper = false) {
  const word = preposition.toLowerCase();
  const name = String(place).trim();
  const [article, rest] = split(name);
  let out;
  if (word === "de") {
    if (article === "les") out = `des ${rest}`;
    else if (article === "le") out = `du ${rest}`;
    else if (article) out = proper ? `de ${name}` : `de ${joined(article, rest)}`;
    else out = startsWithVowel(name) ? `d'${name}` : `de ${name}`;
  } else {
    if (article === "les") out = `aux ${rest}`;
    else if (article === "le") out = `au ${rest}`;
    else out = article && !proper ? `à ${joined(article, rest)}` : `à ${name}`;
  }
  return preposition[0] === word[0] ? out : out[0].toUpperCase() + out.slice(1);
}
