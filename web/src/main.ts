import './styles.css';
import './panels/index';
import { startApp } from './app/app';

startApp(document.getElementById('app')!);
