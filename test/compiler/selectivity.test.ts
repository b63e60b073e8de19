/**
 * The planner's guess of how many users profile conditions keep (compiler/selectivity.ts): System
 * R's defaults, combined through groups; behavioural conditions are not guessed at all.
 */
import { describe, expect, it } from 'vitest';
import { prepare } from '../../compiler/index.js';
import { selectivity } from '../../compiler/selectivity.js';

const plan = (operator: string, value?: unknown) => ({ type: 'custom_attribute', key: 'plan', operator, value });
const guess = (...conditions: object[]) => selectivity(prepare({ op: 'and', conditions }, () => undefined));

describe('selectivity of profile conditions, by shape', () => {
  it('one value 1/10, a list 1/10 a value, a range 1/3, between 1/4, a negation the rest', () => {
    expect(guess(plan('is', 'pro'))).toBeCloseTo(0.1);
    expect(guess(plan('in', ['pro', 'team', 'max']))).toBeCloseTo(0.3);
    expect(guess({ type: 'attribute', attribute: 'sessions', operator: 'gt', value: 3 })).toBeCloseTo(1 / 3);
    expect(guess({ type: 'attribute', attribute: 'sessions', operator: 'between', value: [1, 3] })).toBeCloseTo(1 / 4);
    expect(guess(plan('is_not', 'free'))).toBeCloseTo(0.9);
    expect(guess(plan('not_in', ['a', 'b']))).toBeCloseTo(0.8);
    expect(guess(plan('on', '2026-01-01'))).toBeCloseTo(0.1);
    expect(guess(plan('includes_all', ['a', 'b']))).toBeCloseTo(0.01);
    expect(guess(plan('not_contains', 'x'))).toBeCloseTo(2 / 3);
  });

  it('presence and booleans cannot be told: half', () => {
    for (const operator of ['is_empty', 'is_not_empty', 'is_true', 'is_false']) expect(guess(plan(operator))).toBeCloseTo(0.5);
  });

  it('AND multiplies, OR adds (at most all), NOT takes the rest', () => {
    expect(guess(plan('is', 'pro'), { type: 'attribute', attribute: 'sessions', operator: 'gt', value: 3 })).toBeCloseTo(1 / 30);
    expect(guess({ op: 'or', conditions: [plan('is', 'pro'), { type: 'attribute', attribute: 'email', operator: 'contains', value: '@' }] })).toBeCloseTo(0.1 + 1 / 3);
    expect(guess({ op: 'or', conditions: [plan('is_not', 'a'), plan('is_not', 'b')] })).toBe(1);
    expect(guess({ op: 'and', negate: true, conditions: [plan('is', 'pro'), { type: 'attribute', attribute: 'sessions', operator: 'gt', value: 3 }] })).toBeCloseTo(1 - 1 / 30);
  });

  it('behavioural conditions, and groups holding one, have no guess', () => {
    const login = { type: 'event', source: 'api', event: 'login' };
    expect(guess(login)).toBeUndefined();
    expect(guess(plan('is', 'pro'), { op: 'or', conditions: [login, plan('is', 'team')] })).toBeUndefined();
  });
});
