// Vertical party page entry: one party (guest, host or arbiter) of a coordinator vertical job.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { VerticalPartyPage } from './VerticalPartyPage.tsx';
import '../dashboard/dashboard.css';

createRoot(document.getElementById('root')!).render(<StrictMode><VerticalPartyPage /></StrictMode>);
