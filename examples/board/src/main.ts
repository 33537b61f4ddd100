/**
 * The board's entry: the header (who is signed in, sign in or out), the cost corner
 * (`extensions.cost` of the last response), and a hash router between the locations list (#/) and
 * a location's page (#/location/<slug>). Hash routes keep the facade's side to one HTML file.
 */
import { type Cost, onCost, SIGN_IN_HREF, signOut } from './api.js';
import { fill, h } from './dom.js';
import { loadList, renderList } from './list.js';
import { renderLocation, type Stop } from './location.js';

const main = document.getElementById('main')!;
const account = document.getElementById('account')!;
const cost = document.getElementById('cost')!;

function showCost(last: Cost): void {
  const budget = last.budget ? `${last.budget.remaining} of ${last.budget.limit} CT calls left this minute` : 'no budget (signed out)';
  const calls = `${last.ctCalls} CT call${last.ctCalls === 1 ? '' : 's'}`;
  fill(cost, h('strong', {}, 'Last request: '), `${calls} (estimated ${last.estimated}); ${budget}`);
  cost.dataset.ctCalls = String(last.ctCalls);
}

function showAccount(username: string | null): void {
  if (username === null) {
    fill(account, h('a', { href: SIGN_IN_HREF, id: 'sign-in' }, 'Sign in with CT'));
    return;
  }
  const button = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
  button.addEventListener('click', async () => {
    await signOut();
    location.hash = '#/';
    await route();
  });
  fill(account, h('span', { id: 'signed-in-as' }, `Signed in as ${username}`), ' ', button);
}

let stopPage: Stop = () => {};

async function route(): Promise<void> {
  stopPage();
  stopPage = () => {};
  main.setAttribute('aria-busy', 'true');
  fill(main, h('p', { class: 'loading' }, 'Loading…'));
  const match = /^#\/location\/(.+)$/.exec(location.hash);
  if (match) {
    const page = await renderLocation(main, decodeURIComponent(match[1]!));
    stopPage = page.stop;
    showAccount(page.username);
  } else {
    const list = await loadList();
    renderList(main, list);
    showAccount(list.data?.username ?? null);
  }
  main.setAttribute('aria-busy', 'false');
}

onCost(showCost);
window.addEventListener('hashchange', () => void route());
void route();
