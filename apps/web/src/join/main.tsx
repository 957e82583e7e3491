// Join page entry: starts the session (worker, backend ladder, local data, client) and renders it.
// `window.flotillaJoin` lets a fleet, a test or the benchmark read the state without scraping.

import { createRoot } from 'react-dom/client';
import { JoinPage } from './JoinPage.tsx';
import { JoinSession, readJoinParams } from './JoinSession.ts';

declare global {
  interface Window {
    flotillaJoin?: JoinSession;
  }
}

const session = new JoinSession(readJoinParams(window.location));
window.flotillaJoin = session;
createRoot(document.getElementById('root')!).render(<JoinPage session={session} />);
void session.start();
