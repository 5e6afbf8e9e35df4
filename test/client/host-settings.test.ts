import { describe, expect, it } from 'vitest';
import { ENGINE_LIMITS } from '../../shared/protocol/engine-events.js';
import { hyperparameterSchema, resetSettingsSchema } from '../../shared/protocol/engine-schemas.js';
import { describeSettings, formFromSettings, joinUrl, parseHyperparameters, parseResetSettings, presenceSummary, spellCode, type SettingsForm } from '../../client/ui/host-settings.js';

const blank: SettingsForm = { learningRate: '', l1: '', k: '', persistent: '', algorithm: '' };
const current = { learningRate: 0.01, l1: 0.001, k: 1, persistent: false, algorithm: 'metropolis' as const };

describe('join code', () => {
  it('builds the join URL and spells the code', () => {
    expect(joinUrl('https://lab.example.org', 'ABC234')).toBe('https://lab.example.org/?code=ABC234');
    expect(joinUrl('http://localhost:3000/', 'XYZ789')).toBe('http://localhost:3000/?code=XYZ789');
    expect(spellCode('ABC234')).toBe('A B C 2 3 4');
  });
  it('counts connected and dropped participants', () => {
    const p = (connected: boolean) => ({ id: String(Math.random()), nickname: 'n', role: 'student' as const, joinedAt: 0, connected });
    expect(presenceSummary([])).toBe('0 connected');
    expect(presenceSummary([p(true)])).toBe('1 connected');
    expect(presenceSummary([p(true), p(true), p(false)])).toBe('2 connected, 1 dropped');
  });
});

describe('reset form', () => {
  it('leaves blank fields out ({} restarts with the same settings)', () => {
    expect(parseResetSettings(blank)).toEqual({ ok: true, value: {} });
  });
  it('parses every field', () => {
    const result = parseResetSettings({ learningRate: ' 0.05 ', l1: '1e-3', k: '10', persistent: 'true', algorithm: 'wolff' });
    expect(result).toEqual({ ok: true, value: { learningRate: 0.05, l1: 0.001, k: 10, persistent: true, algorithm: 'wolff' } });
    if (result.ok) expect(resetSettingsSchema.safeParse(result.value).success).toBe(true);
  });
  it('refuses values outside ENGINE_LIMITS, non-numbers and fractional k, naming each field', () => {
    const result = parseResetSettings({
      learningRate: String(ENGINE_LIMITS.learningRate.max + 0.5),
      l1: 'abc',
      k: '2.5',
      persistent: 'maybe',
      algorithm: 'heat-bath',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(['algorithm', 'k', 'l1', 'learningRate', 'persistent']);
    expect(parseResetSettings({ ...blank, k: String(ENGINE_LIMITS.k.max + 1) }).ok).toBe(false);
    expect(parseResetSettings({ ...blank, k: String(ENGINE_LIMITS.k.min - 1) }).ok).toBe(false);
    expect(parseResetSettings({ ...blank, l1: '-0.01' }).ok).toBe(false);
    expect(parseResetSettings({ ...blank, learningRate: 'Infinity' }).ok).toBe(false);
  });
  it('accepts the limits themselves', () => {
    const lo = parseResetSettings({ ...blank, learningRate: '0', l1: '0', k: String(ENGINE_LIMITS.k.min) });
    const hi = parseResetSettings({ ...blank, learningRate: '1', l1: '0.1', k: String(ENGINE_LIMITS.k.max) });
    expect(lo.ok && hi.ok).toBe(true);
  });
});

describe('live hyper-parameter form', () => {
  it('sends only what differs from the settings in force', () => {
    const form = { ...formFromSettings(current), k: '5' };
    const result = parseHyperparameters(form, current);
    expect(result).toEqual({ ok: true, value: { k: 5 } });
    if (result.ok) expect(hyperparameterSchema.safeParse(result.value).success).toBe(true);
  });
  it('sends nothing when nothing changed', () => {
    expect(parseHyperparameters(formFromSettings(current), current)).toEqual({ ok: true, value: {} });
  });
  it('round-trips settings through the form', () => {
    expect(formFromSettings(current)).toEqual({ learningRate: '0.01', l1: '0.001', k: '1', persistent: 'false', algorithm: 'metropolis' });
    expect(describeSettings({ k: 5, persistent: true })).toBe('CD steps k 5, Persistent CD on');
  });
});
