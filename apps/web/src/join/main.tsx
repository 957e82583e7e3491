// Join page entry (placeholder until the browser client lands).
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<main data-testid="join.page"><h1>Flotilla</h1></main>);
