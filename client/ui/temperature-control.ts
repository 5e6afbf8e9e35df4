/**
 * The temperature slider (T from 1.0 to 4.0 in J/k_B, K = 1/T) with T_c marked, and the
 * readout of the temperature the server confirmed. The slider is a native range input, so
 * arrows, Page Up/Down, Home and End work. While the user is moving it the slider keeps the
 * user's value; otherwise it follows the server, which is shared by every page.
 */
import { CRITICAL_TEMPERATURE } from '../../shared/physics/ising.js';
import type { TemperaturePayload } from '../../shared/protocol/events.js';
import { fixed } from './format.js';

/** How long after the last local input the slider ignores the server's value, ms. */
const LOCAL_INPUT_HOLD_MS = 800;

export interface TemperatureControlElements {
  slider: HTMLInputElement;
  tcMark: HTMLElement;
  value: HTMLElement;
  coupling: HTMLElement;
  changedBy: HTMLElement;
}

export class TemperatureControl {
  private lastLocalInput = -Infinity;
  /** Server value that arrived while the user held the slider; applied when the hold ends. */
  private deferred: number | null = null;
  private deferTimer: ReturnType<typeof setTimeout> | null = null;

  /** @param onInput called with every value the user picks, T in J/k_B */
  constructor(
    private readonly elements: TemperatureControlElements,
    onInput: (temperature: number) => void,
  ) {
    const { slider, tcMark } = elements;
    const min = Number(slider.min);
    const max = Number(slider.max);
    tcMark.style.left = `${(100 * (CRITICAL_TEMPERATURE - min)) / (max - min)}%`;
    tcMark.innerHTML = `T<sub>c</sub> ≈ ${CRITICAL_TEMPERATURE.toFixed(3)}`;
    this.describe(Number(slider.value));
    slider.addEventListener('input', () => {
      this.lastLocalInput = performance.now();
      const temperature = Number(slider.value);
      this.describe(temperature);
      onInput(temperature);
    });
  }

  /**
   * Shows the server's confirmed temperature.
   * @param ownId this page's client id, to say "you" rather than an id
   */
  confirm(state: TemperaturePayload, ownId: string | null): void {
    const { value, coupling, changedBy } = this.elements;
    value.textContent = `T = ${fixed(state.temperature, 3)}`;
    coupling.textContent = `K = ${fixed(state.coupling, 4)}`;
    changedBy.textContent =
      state.changedBy === null ? 'initial temperature' : state.changedBy === ownId ? 'set by you' : 'set by another viewer';
    this.follow(state.temperature);
  }

  /** Moves the slider to the server's value now, or when the user's hold on it ends. */
  private follow(temperature: number): void {
    const heldFor = LOCAL_INPUT_HOLD_MS - (performance.now() - this.lastLocalInput);
    if (heldFor <= 0) {
      this.deferred = null;
      this.elements.slider.value = String(temperature);
      this.describe(temperature);
      return;
    }
    this.deferred = temperature;
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.deferTimer = setTimeout(() => {
      this.deferTimer = null;
      if (this.deferred !== null) this.follow(this.deferred);
    }, heldFor + 1);
  }

  private describe(temperature: number): void {
    const side =
      Math.abs(temperature - CRITICAL_TEMPERATURE) < 0.005
        ? 'at the critical temperature'
        : temperature < CRITICAL_TEMPERATURE
          ? 'below the critical temperature'
          : 'above the critical temperature';
    this.elements.slider.setAttribute('aria-valuetext', `T = ${temperature.toFixed(2)}, ${side}`);
  }
}
