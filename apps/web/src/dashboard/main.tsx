// Dashboard entry: mounts the operator dashboard (the token handling happens in App).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './dashboard.css';

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
