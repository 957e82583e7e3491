// Dashboard entry: takes a token out of the URL fragment before anything renders, and mounts the
// operator dashboard, which trades it for the session cookie.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { takeTokenFromFragment } from './auth.ts';
import './dashboard.css';

const fragmentToken = takeTokenFromFragment();
createRoot(document.getElementById('root')!).render(<StrictMode><App fragmentToken={fragmentToken} /></StrictMode>);
