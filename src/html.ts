/**
 * Escaping for the HTML the facade writes itself (the playground page today). The one copy on the
 * facade's side; the simulator keeps its own, since it never imports from src/.
 */

/** Text (or an attribute value in double or single quotes) safe to put into HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
