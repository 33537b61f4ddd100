/**
 * The person's favourite locations and the "favourites only" switch, kept in this browser's
 * localStorage: a view preference of the board, not CT data (CT's own favourite flag is shared
 * with every app of the account, and setting it would cost a CT write per star).
 */
const FAVOURITES = 'ct-board:favourites';
const ONLY = 'ct-board:favourites-only';

function read(): Set<string> {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(FAVOURITES) ?? '[]');
    return new Set(Array.isArray(stored) ? stored.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}

export function isFavourite(id: string): boolean {
  return read().has(id);
}

export function toggleFavourite(id: string): boolean {
  const ids = read();
  const now = !ids.has(id);
  if (now) ids.add(id);
  else ids.delete(id);
  localStorage.setItem(FAVOURITES, JSON.stringify([...ids]));
  return now;
}

export function favouritesOnly(): boolean {
  return localStorage.getItem(ONLY) === 'true';
}

export function setFavouritesOnly(only: boolean): void {
  localStorage.setItem(ONLY, String(only));
}
