/**
 * The locations screen: every location with a coloured count of its boxes per state and its offline
 * boxes named, worst first; a search box and "favourites only" that filter what is already loaded.
 *
 * What it costs: the locations (100 a page) and the boxes account-wide (100 a page), never one
 * request per location. Request 1 (BoardHome) also says who is signed in; each further page of boxes
 * is one more request (BoardMoreBoxes). The demo account's 44 locations and 250 boxes are 3 requests.
 */
import { request, type Result, SIGN_IN_HREF, signedOut } from './api.js';
import { append, fill, h, stateClass } from './dom.js';
import { favouritesOnly, isFavourite, setFavouritesOnly, toggleFavourite } from './favourites.js';
import {
  type BoardBoxPageFragment,
  BoardHomeDocument,
  type BoardLocationFragment,
  BoardMoreBoxesDocument,
  BoardMoreLocationsDocument,
  type BoxState,
} from '../gql/graphql.js';

interface Row {
  location: BoardLocationFragment;
  byState: Map<BoxState, number>;
  offline: string[];
  total: number;
}

/** The order counts are shown in, and how bad each state is for "worst first". */
const STATE_ORDER: BoxState[] = ['OFFLINE', 'UNKNOWN', 'REBOOTING', 'UPGRADING', 'PROCESSING', 'INITIALIZING', 'NEW', 'ONLINE'];

type BoxNode = BoardBoxPageFragment['nodes'][number];

export interface Loaded {
  username: string | null;
  rows: Row[];
}

/** Every location and every box, page by page; null data when signed out. */
export async function loadList(): Promise<Result<Loaded>> {
  const home = await request(BoardHomeDocument, {});
  if (!home.data?.viewer) return { data: null, errors: home.errors };
  if (!home.data.locations || !home.data.boxes) return { data: null, errors: home.errors };
  const locations = [...home.data.locations.nodes];
  const boxes: BoxNode[] = [...home.data.boxes.nodes];
  let locationPage = home.data.locations.pageInfo;
  while (locationPage.hasNextPage && locationPage.endCursor) {
    const more = await request(BoardMoreLocationsDocument, { after: locationPage.endCursor });
    if (!more.data?.locations) return { data: null, errors: more.errors };
    locations.push(...more.data.locations.nodes);
    locationPage = more.data.locations.pageInfo;
  }
  let boxPage = home.data.boxes.pageInfo;
  while (boxPage.hasNextPage && boxPage.endCursor) {
    const more = await request(BoardMoreBoxesDocument, { after: boxPage.endCursor });
    if (!more.data?.boxes) return { data: null, errors: more.errors };
    boxes.push(...more.data.boxes.nodes);
    boxPage = more.data.boxes.pageInfo;
  }
  return { data: { username: home.data.viewer.username, rows: rows(locations, boxes) }, errors: [] };
}

function rows(locations: BoardLocationFragment[], boxes: BoxNode[]): Row[] {
  const byId = new Map<string, Row>(locations.map((location) => [location.id, { location, byState: new Map(), offline: [], total: 0 }]));
  for (const box of boxes) {
    const row = byId.get(box.location.id);
    if (!row) continue;
    row.total += 1;
    row.byState.set(box.state, (row.byState.get(box.state) ?? 0) + 1);
    if (box.state === 'OFFLINE') row.offline.push(box.description ?? box.mac);
  }
  return [...byId.values()].sort(worstFirst);
}

/** Most boxes offline first, then most boxes not online, then by name. */
function worstFirst(a: Row, b: Row): number {
  const down = (row: Row) => row.byState.get('OFFLINE') ?? 0;
  const notOnline = (row: Row) => row.total - (row.byState.get('ONLINE') ?? 0);
  return down(b) - down(a) || notOnline(b) - notOnline(a) || a.location.name.localeCompare(b.location.name);
}

export function signInPanel(message: string): HTMLElement {
  return h(
    'section',
    { class: 'panel signed-out' },
    h('p', {}, message),
    h('a', { class: 'button', href: SIGN_IN_HREF }, 'Sign in with CT'),
  );
}

export function renderList(root: HTMLElement, result: Result<Loaded>): void {
  if (!result.data) {
    if (signedOut(result.errors) || result.errors.length === 0) {
      fill(root, signInPanel('You are signed out. Sign in with your CT account to see your locations.'));
    } else {
      fill(root, h('p', { class: 'error', role: 'alert' }, `The board could not load: ${result.errors[0]!.message}`));
    }
    return;
  }
  const { rows } = result.data;
  const search = h('input', { type: 'search', id: 'search', placeholder: 'Search locations', 'aria-label': 'Search locations' });
  const only = h('input', { type: 'checkbox', id: 'favourites-only' });
  only.checked = favouritesOnly();
  const list = h('ul', { class: 'locations', id: 'locations' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const draw = (): void => {
    const text = search.value.trim().toLowerCase();
    const shown = rows.filter(
      (row) =>
        (!only.checked || isFavourite(row.location.id)) &&
        (text === '' || `${row.location.name} ${row.location.town ?? ''}`.toLowerCase().includes(text)),
    );
    const down = rows.filter((row) => (row.byState.get('OFFLINE') ?? 0) > 0).length;
    summary.textContent = `${rows.length} locations, ${down} with boxes offline; showing ${shown.length}.`;
    fill(list, ...shown.map((row) => rowElement(row, draw)));
  };
  search.addEventListener('input', draw);
  only.addEventListener('change', () => {
    setFavouritesOnly(only.checked);
    draw();
  });
  fill(root, h('div', { class: 'filters' }, search, h('label', {}, only, ' Favourites only')), summary, list);
  draw();
}

function rowElement(row: Row, redraw: () => void): HTMLElement {
  const { location } = row;
  const favourite = isFavourite(location.id);
  const star = h(
    'button',
    {
      type: 'button',
      class: favourite ? 'star on' : 'star',
      'aria-pressed': String(favourite),
      'aria-label': `Favourite ${location.name}`,
      onclick: () => {
        toggleFavourite(location.id);
        redraw();
      },
    },
    favourite ? '★' : '☆',
  );
  const counts = h('span', { class: 'counts' });
  if (row.total === 0) append(counts, h('span', { class: 'state state-none' }, 'no boxes'));
  for (const state of STATE_ORDER) {
    const count = row.byState.get(state);
    if (count)
      append(counts, h('span', { class: stateClass(state), 'data-state': state, title: `${count} ${state}` }, `${count} ${state}`));
  }
  const offline = row.offline.length > 0 ? h('p', { class: 'offline' }, `Offline: ${row.offline.join(', ')}`) : null;
  return h(
    'li',
    { class: row.offline.length > 0 ? 'location down' : 'location', 'data-location-id': location.id, 'data-slug': location.slug },
    star,
    h('a', { class: 'name', href: `#/location/${encodeURIComponent(location.slug)}` }, location.name),
    location.town ? h('span', { class: 'town' }, location.town) : null,
    counts,
    offline,
  );
}
