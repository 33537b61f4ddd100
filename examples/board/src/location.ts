/**
 * A location's page: its boxes (state, last heartbeat, firmware) with a Reboot button, kept current
 * by the `boxStateChanged` subscription (REBOOTING, then ONLINE, without reloading or polling); its
 * voucher batches, each with its codes and a CSV download; and "Create batch", whose codes appear
 * when `voucherCompleted` fires. One request opens the page (three CT calls: the location, a page
 * of its boxes, a page of its batches).
 */
import { request, signedOut } from './api.js';
import { type CodeRow, csvLink } from './csv.js';
import { ago, append, fill, h, stateClass } from './dom.js';
import { subscribe } from './live.js';
import { signInPanel } from './list.js';
import {
  type BoardBoxFragment,
  BoardBoxStateChangedDocument,
  type BoardCodeFragment,
  BoardCreateVoucherDocument,
  BoardLocationPageDocument,
  BoardRebootBoxDocument,
  BoardVoucherCodesDocument,
  BoardVoucherCompletedDocument,
  type BoardVoucherFragment,
} from '../gql/graphql.js';

/** What a page leaves running (its streams, its blob URLs); the router stops it when the person leaves. */
export type Stop = () => void;

export async function renderLocation(root: HTMLElement, slug: string): Promise<{ username: string | null; stop: Stop }> {
  const stops: Stop[] = [];
  const stop = () => {
    for (const s of stops.splice(0)) s();
  };
  const page = await request(BoardLocationPageDocument, { slug });
  if (!page.data?.viewer) {
    fill(root, signInPanel('You are signed out. Sign in with your CT account to see this location.'));
    return { username: null, stop };
  }
  const location = page.data.location;
  if (!location) {
    const why = page.errors[0]?.message ?? 'CT has no such location, or it is not yours.';
    fill(root, h('p', { class: 'error', role: 'alert' }, why), h('a', { href: '#/' }, 'Back to all locations'));
    return { username: page.data.viewer.username, stop };
  }

  const live = h('p', { class: 'live', id: 'live', 'aria-live': 'polite' }, 'Connecting to live updates…');
  const boxRows = new Map<string, HTMLTableRowElement>();
  const boxBody = h('tbody');
  for (const box of location.boxes?.nodes ?? []) {
    const row = boxRow(box, reboot);
    boxRows.set(box.id, row);
    append(boxBody, row);
  }

  async function reboot(box: BoardBoxFragment, row: HTMLTableRowElement): Promise<void> {
    const note = row.querySelector('.row-note')!;
    note.textContent = 'Asking CT…';
    const result = await request(BoardRebootBoxDocument, { id: box.id });
    const payload = result.data?.rebootBox;
    if (!payload) {
      note.textContent = signedOut(result.errors) ? 'Signed out: sign in again.' : (result.errors[0]?.message ?? 'The reboot failed.');
      return;
    }
    // Expected refusals (a box that takes no jobs now) are data, not errors: say them beside the box.
    if (payload.userErrors.length > 0) {
      note.textContent = payload.userErrors.map((e) => e.message).join('; ');
      return;
    }
    note.textContent = 'Reboot sent; the state follows live.';
    if (payload.box) updateBox(payload.box);
  }

  function updateBox(box: BoardBoxFragment): void {
    const row = boxRows.get(box.id);
    if (!row) return;
    const note = row.querySelector('.row-note')!.textContent;
    const fresh = boxRow(box, reboot);
    fresh.querySelector('.row-note')!.textContent = note;
    row.replaceWith(fresh);
    boxRows.set(box.id, fresh);
  }

  stops.push(
    subscribe(
      BoardBoxStateChangedDocument,
      { locationId: location.id },
      {
        next: ({ boxStateChanged: { box, previousState } }) => {
          live.textContent = `Live: ${box.description ?? box.mac} went from ${previousState} to ${box.state}.`;
          updateBox(box);
        },
        error: (message) => {
          live.textContent = `Live updates stopped: ${message}`;
        },
      },
    ),
  );
  live.textContent = 'Live: watching this location’s boxes.';

  const batches = h('ul', { class: 'batches', id: 'batches' });
  for (const voucher of location.vouchers?.nodes ?? []) append(batches, batchItem(voucher, stops));

  fill(
    root,
    h('p', {}, h('a', { href: '#/' }, '← All locations')),
    h('h2', { id: 'location-name' }, location.name),
    h('p', { class: 'town' }, [location.address, location.town].filter(Boolean).join(', ')),
    live,
    h('section', { class: 'panel' }, h('h3', {}, `Boxes (${location.boxes?.totalCount ?? 0})`), boxTable(boxBody)),
    h(
      'section',
      { class: 'panel' },
      h('h3', {}, 'Voucher batches'),
      createForm(location.id, (voucher) => batches.prepend(batchItem(voucher, stops, true))),
      batches,
    ),
  );
  return { username: page.data.viewer.username, stop };
}

function boxTable(body: HTMLTableSectionElement): HTMLTableElement {
  const head = h(
    'thead',
    {},
    h('tr', {}, h('th', {}, 'Box'), h('th', {}, 'State'), h('th', {}, 'Last heartbeat'), h('th', {}, 'Firmware'), h('th', {}, '')),
  );
  return h('table', { class: 'boxes', id: 'boxes' }, head, body);
}

function boxRow(box: BoardBoxFragment, reboot: (box: BoardBoxFragment, row: HTMLTableRowElement) => Promise<void>): HTMLTableRowElement {
  const button = h('button', { type: 'button', class: 'reboot', disabled: box.acceptsJobs === false }, 'Reboot');
  if (box.acceptsJobs === false) button.title = 'CT says this box cannot take jobs now.';
  const row = h(
    'tr',
    { 'data-box-id': box.id },
    h('td', {}, box.description ?? box.mac, h('br'), h('small', {}, box.mac)),
    h('td', {}, h('span', { class: stateClass(box.state), 'data-state': box.state }, box.state)),
    h('td', { title: box.lastHeartbeatAt ?? '' }, ago(box.lastHeartbeatAt)),
    h('td', {}, box.firmwareVersion ?? '–'),
    h('td', {}, button, h('span', { class: 'row-note', 'aria-live': 'polite' })),
  );
  button.addEventListener('click', () => {
    button.disabled = true;
    void reboot(box, row).finally(() => {
      button.disabled = box.acceptsJobs === false;
    });
  });
  return row;
}

/** A batch: its name and state; its codes (and the CSV) on demand, or as soon as CT has made them. */
function batchItem(voucher: BoardVoucherFragment, stops: Stop[], justCreated = false): HTMLLIElement {
  const status = h('span', { class: voucher.completed ? 'badge ready' : 'badge generating' }, voucher.completed ? 'ready' : 'generating…');
  const codes = h('div', { class: 'codes' });
  const show = h('button', { type: 'button', class: 'show-codes' }, 'Show codes');
  const item = h(
    'li',
    { class: 'batch', 'data-voucher-id': voucher.id },
    h('strong', {}, voucher.name),
    ` ${voucher.quantity} codes `,
    status,
    ' ',
    voucher.completed ? show : null,
    codes,
  );
  const showCodes = async (first: BoardCodeFragment[], more: { hasNextPage: boolean; endCursor: string | null }) => {
    const all: CodeRow[] = [...first];
    let page = more;
    while (page.hasNextPage && page.endCursor) {
      const next = await request(BoardVoucherCodesDocument, { id: voucher.id, after: page.endCursor });
      const node = next.data?.node;
      if (!node || !('codes' in node) || !node.codes) break;
      all.push(...node.codes.nodes);
      page = node.codes.pageInfo;
    }
    const { link, revoke } = csvLink(all, `${voucher.name.replace(/[^\w-]+/g, '_')}.csv`);
    stops.push(revoke);
    fill(
      codes,
      h('ul', { class: 'code-list' }, ...all.map((code) => h('li', { class: code.active ? 'code' : 'code used' }, code.username))),
      link,
    );
  };
  show.addEventListener('click', () => {
    show.remove();
    void showCodes([], { hasNextPage: true, endCursor: null }).catch(() => fill(codes, 'The codes could not be loaded.'));
  });
  if (!voucher.completed) {
    // No polling of `completed`: the facade tells us once CT has generated the codes.
    stops.push(
      subscribe(
        BoardVoucherCompletedDocument,
        { id: voucher.id },
        {
          next: ({ voucherCompleted }) => {
            status.textContent = 'ready';
            status.className = 'badge ready';
            if (justCreated || voucherCompleted.codes) {
              void showCodes(
                voucherCompleted.codes?.nodes ?? [],
                voucherCompleted.codes?.pageInfo ?? { hasNextPage: false, endCursor: null },
              );
            }
          },
          error: (message) => {
            status.textContent = `not followed: ${message}`;
          },
        },
      ),
    );
  }
  return item;
}

function createForm(locationId: string, created: (voucher: BoardVoucherFragment) => void): HTMLFormElement {
  const name = h('input', { name: 'name', required: true, maxlength: '100', placeholder: 'e.g. Conference day 1' });
  const quantity = h('input', { name: 'quantity', type: 'number', min: '1', max: '1000', value: '5' });
  const validity = h('input', { name: 'validityMinutes', type: 'number', min: '5', value: '1440' });
  const problems = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Create batch');
  const form = h(
    'form',
    { class: 'create', id: 'create-batch' },
    h('label', {}, 'Name ', name),
    h('label', {}, 'Codes ', quantity),
    h('label', {}, 'Valid for (minutes) ', validity),
    submit,
    problems,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    problems.textContent = '';
    const input = { locationId, name: name.value.trim(), quantity: Number(quantity.value), validityMinutes: Number(validity.value) };
    void request(BoardCreateVoucherDocument, { input })
      .then((result) => {
        const payload = result.data?.createVoucher;
        if (!payload) {
          problems.textContent = result.errors[0]?.message ?? 'The batch could not be created.';
          return;
        }
        // userErrors name the input at fault (["input", "quantity"]): say which field, in the person's words.
        if (payload.userErrors.length > 0) {
          problems.textContent = payload.userErrors.map((e) => e.message).join(' ');
          return;
        }
        if (payload.voucher) {
          created(payload.voucher);
          name.value = '';
        }
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
