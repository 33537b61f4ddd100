/**
 * A tiny element builder: text goes in as text nodes (never as HTML), so nothing CT returns can
 * inject markup; classes only, no style attributes, which the page's CSP would refuse.
 */
type Child = Node | string | null | undefined | false;

export interface Props {
  class?: string;
  [attribute: string]: string | boolean | undefined | ((event: Event) => void);
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, value);
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** "3 min ago", with the exact time left to the caller's title attribute. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** The colour class of a box state: good, down, or busy (everything between). */
export function stateClass(state: string): string {
  if (state === 'ONLINE') return 'state state-online';
  if (state === 'OFFLINE') return 'state state-offline';
  return 'state state-busy';
}
