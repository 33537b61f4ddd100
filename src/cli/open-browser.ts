/**
 * Opens a URL in the person's browser when this machine has one to show (a desktop session on
 * Linux, always on macOS and Windows); on a server or over SSH it does nothing, and the printed URL
 * is the way in.
 */
import { spawn } from 'node:child_process';

export function hasBrowser(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

export function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
    // A missing opener is not an error: the URL is already on the screen.
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // as above
  }
}
