import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ko } from './ko';
import { translate } from './index';

describe('translations', () => {
  it('Korean covers every English message', () => {
    const missing = Object.keys(en).filter((k) => !(k in ko));
    expect(missing).toEqual([]);
  });
  it('keeps the same placeholders', () => {
    for (const [k, v] of Object.entries(ko)) {
      const want = (en[k as keyof typeof en].match(/\{\w+\}/g) ?? []).sort();
      const got = ((v ?? '').match(/\{\w+\}/g) ?? []).sort();
      expect({ k, got }).toEqual({ k, got: want });
    }
  });
  it('fills placeholders', () => {
    expect(translate('en', 'shop.lowStock', { n: 3 })).toBe('Only 3 left');
    expect(translate('ko', 'shop.lowStock', { n: 3 })).toBe('3개 남음');
  });
});
