import { describe } from 'vitest';
import { openTestWarehouse } from '../support/warehouse.js';
import { behavesLikeIngestion } from './ingestion.behaviour.js';

describe('ingestion on the embedded warehouse (chDB)', () => {
  behavesLikeIngestion(() => openTestWarehouse());
});
