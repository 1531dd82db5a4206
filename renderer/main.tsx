import { createRoot } from 'react-dom/client';
import { App } from './App';
import { defaultClient } from './client';
import './styles.css';
import './incidents.css';

createRoot(document.getElementById('root')!).render(<App client={defaultClient()} />);
