// Dashboard entry (placeholder until the dashboard lands).
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<main data-testid="dashboard.page"><h1>Flotilla dashboard</h1></main>);
