/**
 * The teacher's panel, shown only to a host: the join code in letters readable from the back
 * of a classroom with the join URL, the temperature policy, pause/resume, "follow me" (the
 * students' 3D cameras follow the host's), the training hyper-parameters applied live, a reset
 * with optional new settings, and the participants with a "remove" button per student. The
 * panel only reads `state` and calls `commands`; what the server refused is shown in its alert
 * line, and the server's broadcasts (policy, control, presence) update it like everyone else.
 */
import './classroom.css';
import { ALGORITHMS } from '../../shared/physics/ising.js';
import type { HyperparameterInput, ResetSettingsInput } from '../../shared/protocol/engine-schemas.js';
import { POLICY_MODES, type ControlAck, type ParticipantInfo, type PolicyMode, type RemoveParticipantAck, type SetPolicyAck } from '../../shared/protocol/events.js';
import type { SessionState } from '../state/session-state.js';
import { AlertLine, h, uniqueId } from './dom.js';
import {
  describeSettings,
  FIELD_LABELS,
  fieldRange,
  formFromSettings,
  joinUrl,
  parseHyperparameters,
  parseResetSettings,
  presenceSummary,
  SETTING_FIELDS,
  spellCode,
  type SettingField,
  type SettingsForm,
  type SettingsInput,
} from './host-settings.js';
import { policySentence, policyTitle } from './vote-histogram.js';

export interface HostCommands {
  setPolicy(mode: PolicyMode): Promise<SetPolicyAck>;
  pause(): Promise<ControlAck>;
  resume(): Promise<ControlAck>;
  reset(settings: ResetSettingsInput): Promise<ControlAck>;
  setHyperparameters(hyperparameters: HyperparameterInput): Promise<ControlAck>;
  removeParticipant(id: string): Promise<RemoveParticipantAck>;
  /** "Follow me": the students' 3D cameras follow the host's. */
  setLeading(on: boolean): void;
}

export interface HostPanelOptions {
  /** Asks before a reset or a removal (default: window.confirm). */
  confirm?: (message: string) => boolean;
  /** Origin of the join URL (default: location.origin). */
  origin?: string;
}

/** One settings form (the live hyper-parameters, or the reset's new settings). */
class SettingsFields {
  readonly element: HTMLDivElement;
  private readonly inputs = new Map<SettingField, HTMLInputElement | HTMLSelectElement>();
  private readonly errors = new Map<SettingField, HTMLElement>();

  /** @param keepOption the selects offer "keep current" (the reset form) */
  constructor(prefix: string, keepOption: boolean) {
    this.element = h('div', { class: 'rg-fields' });
    for (const field of SETTING_FIELDS) {
      const id = uniqueId(`${prefix}-${field}`);
      const hintId = `${id}-hint`;
      const errorId = `${id}-error`;
      let control: HTMLInputElement | HTMLSelectElement;
      let hint = '';
      if (field === 'persistent' || field === 'algorithm') {
        const choices: [string, string][] =
          field === 'persistent'
            ? [
                ['true', 'on'],
                ['false', 'off'],
              ]
            : ALGORITHMS.map((a) => [a, a]);
        control = h('select', { id, 'aria-describedby': errorId }, ...(keepOption ? [h('option', { value: '' }, 'keep current')] : []), ...choices.map(([value, text]) => h('option', { value }, text)));
      } else {
        hint = fieldRange(field);
        control = h('input', {
          id,
          type: 'text',
          inputmode: field === 'k' ? 'numeric' : 'decimal',
          autocomplete: 'off',
          spellcheck: 'false',
          'aria-describedby': `${hintId} ${errorId}`,
        });
      }
      const error = h('span', { class: 'rg-field-error', id: errorId });
      this.inputs.set(field, control);
      this.errors.set(field, error);
      this.element.append(
        h('div', { class: 'rg-field' }, h('label', { for: id }, FIELD_LABELS[field]), control, ...(hint ? [h('span', { class: 'rg-hint', id: hintId }, hint)] : []), error),
      );
    }
  }

  read(): SettingsForm {
    const form = {} as SettingsForm;
    for (const field of SETTING_FIELDS) form[field] = this.inputs.get(field)!.value;
    return form;
  }

  fill(form: SettingsForm): void {
    for (const field of SETTING_FIELDS) this.inputs.get(field)!.value = form[field];
  }

  /** Placeholders showing the settings in force (the reset form's blanks keep them). */
  placeholders(form: SettingsForm): void {
    for (const field of ['learningRate', 'l1', 'k'] as const) {
      const input = this.inputs.get(field) as HTMLInputElement;
      input.placeholder = form[field] ? `now ${form[field]}` : '';
    }
    for (const field of ['persistent', 'algorithm'] as const) {
      const keep = (this.inputs.get(field) as HTMLSelectElement).querySelector('option[value=""]');
      if (keep) keep.textContent = form[field] ? `keep (${field === 'persistent' ? (form[field] === 'true' ? 'on' : 'off') : form[field]})` : 'keep current';
    }
  }

  /** Marks the invalid fields; focuses the first; returns whether there was any. */
  showErrors(errors: Partial<Record<SettingField, string>>): boolean {
    let first: HTMLElement | null = null;
    for (const field of SETTING_FIELDS) {
      const message = errors[field];
      const input = this.inputs.get(field)!;
      this.errors.get(field)!.textContent = message ?? '';
      if (message) {
        input.setAttribute('aria-invalid', 'true');
        first ??= input;
      } else input.removeAttribute('aria-invalid');
    }
    first?.focus();
    return first !== null;
  }

  onInput(listener: () => void): void {
    this.element.addEventListener('input', listener);
    this.element.addEventListener('change', listener);
  }

  contains(node: Node | null): boolean {
    return node !== null && this.element.contains(node);
  }
}

export class HostPanel {
  private readonly alert = new AlertLine();
  private readonly statusLine = h('p', { class: 'rg-status-line', role: 'status' });
  private readonly code = h('p', { class: 'rg-join-code' });
  private readonly link = h('a', { class: 'rg-join-url' });
  private readonly policyRadios = new Map<PolicyMode, HTMLInputElement>();
  private readonly pauseButton = h('button', { type: 'button', class: 'rg-button rg-primary' }, 'Pause');
  private readonly runState = h('span', { class: 'rg-run-state' }, 'waiting for the engine…');
  private readonly follow = h('input', { type: 'checkbox' });
  private readonly hyper = new SettingsFields('hyper', false);
  private readonly hyperSubmit = h('button', { type: 'submit', class: 'rg-button rg-primary' }, 'Apply');
  private readonly resetFields = new SettingsFields('reset', true);
  private readonly resetSubmit = h('button', { type: 'submit', class: 'rg-button rg-danger' }, 'Reset run…');
  private readonly peopleCount = h('span', { class: 'rg-people-count' });
  private readonly peopleList = h('ul', { class: 'rg-people-list' });
  private readonly peopleHeading = h('h3', { tabindex: -1 }, 'Participants ', this.peopleCount);
  private readonly rows = new Map<string, { item: HTMLLIElement; name: HTMLElement; role: HTMLElement; link: HTMLElement; button: HTMLButtonElement }>();
  /** The hyper-parameter form holds the user's edits: don't overwrite it with the server's. */
  private hyperDirty = false;
  private pausePending = false;
  private readonly confirm: (message: string) => boolean;
  private readonly origin: string;

  constructor(
    private readonly container: HTMLElement,
    private readonly state: SessionState,
    private readonly commands: HostCommands,
    options: HostPanelOptions = {},
  ) {
    this.confirm = options.confirm ?? ((message) => window.confirm(message));
    this.origin = options.origin ?? location.origin;
    container.classList.add('rg-panel', 'rg-host');
    container.replaceChildren(this.build());
    state.on('load', () => this.render());
    state.on('policy', () => this.renderPolicy());
    state.on('control', () => {
      this.renderControl();
      this.renderSettings();
    });
    state.on('presence', () => this.renderPresence());
    this.render();
  }

  private build(): DocumentFragment {
    const titleId = uniqueId('host-title');
    if (!this.container.hasAttribute('aria-label') && !this.container.hasAttribute('aria-labelledby')) this.container.setAttribute('aria-labelledby', titleId);
    const fragment = document.createDocumentFragment();

    const copy = h('button', { type: 'button', class: 'rg-button rg-small' }, 'Copy link');
    copy.addEventListener('click', () => void this.copyLink());
    const join = h(
      'div',
      { class: 'rg-join' },
      h('p', { class: 'rg-join-lead' }, 'Join at ', this.link, ' ', copy),
      h('p', { class: 'rg-join-lead' }, 'with the code'),
      this.code,
    );

    const policyName = uniqueId('policy');
    const policy = h('fieldset', { class: 'rg-policy' }, h('legend', {}, 'Temperature policy'));
    for (const mode of POLICY_MODES) {
      const id = `${policyName}-${mode}`;
      const radio = h('input', { type: 'radio', name: policyName, id, value: mode, 'aria-describedby': `${id}-hint` });
      radio.addEventListener('change', () => {
        if (radio.checked) void this.setPolicy(mode);
      });
      this.policyRadios.set(mode, radio);
      policy.append(
        h('div', { class: 'rg-choice' }, radio, h('label', { for: id }, policyTitle(mode)), h('span', { class: 'rg-hint', id: `${id}-hint` }, policySentence(mode))),
      );
    }

    this.pauseButton.addEventListener('click', () => void this.togglePause());
    this.follow.addEventListener('change', () => {
      this.commands.setLeading(this.follow.checked);
      this.say(this.follow.checked ? "Students' 3D views now follow your camera." : "Students' 3D views are free again.");
    });
    const followId = uniqueId('follow');
    this.follow.id = followId;
    this.follow.setAttribute('aria-describedby', `${followId}-hint`);
    const run = h(
      'div',
      { class: 'rg-box rg-run' },
      h('h3', {}, 'Simulation'),
      h('p', { class: 'rg-run-line' }, this.runState),
      h('p', {}, this.pauseButton),
      h(
        'div',
        { class: 'rg-choice' },
        this.follow,
        h('label', { for: followId }, 'Follow me'),
        h('span', { class: 'rg-hint', id: `${followId}-hint` }, "students' 3D views follow your camera"),
      ),
    );

    const revert = h('button', { type: 'button', class: 'rg-button' }, 'Revert');
    revert.addEventListener('click', () => {
      this.hyperDirty = false;
      this.hyper.showErrors({});
      this.renderSettings();
    });
    const hyperForm = h(
      'form',
      { class: 'rg-box rg-settings', novalidate: true },
      h('h3', {}, 'Training, applied live'),
      this.hyper.element,
      h('p', { class: 'rg-actions' }, this.hyperSubmit, revert),
    );
    this.hyper.onInput(() => (this.hyperDirty = true));
    hyperForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.applyHyperparameters();
    });

    const resetForm = h(
      'form',
      { class: 'rg-box rg-settings', novalidate: true },
      h('h3', {}, 'Reset the run'),
      h('p', { class: 'rg-hint' }, 'A new run from the seed at the current temperature. Blank fields keep their current values.'),
      this.resetFields.element,
      h('p', { class: 'rg-actions' }, this.resetSubmit),
    );
    resetForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.reset();
    });

    const peopleTitle = uniqueId('people');
    this.peopleHeading.id = peopleTitle;
    const people = h(
      'section',
      { class: 'rg-box rg-people', 'aria-labelledby': peopleTitle },
      this.peopleHeading,
      this.peopleList,
    );

    fragment.append(
      h('h2', { class: 'rg-title', id: titleId }, 'Host controls'),
      join,
      this.alert.element,
      this.statusLine,
      h('div', { class: 'rg-host-grid' }, h('div', { class: 'rg-box' }, policy), run, hyperForm, resetForm, people),
    );
    return fragment;
  }

  private render(): void {
    this.container.hidden = this.state.role !== 'host';
    const code = this.state.sessionCode;
    this.code.textContent = code || '——————';
    this.code.setAttribute('aria-label', code ? `Join code: ${spellCode(code)}` : 'Join code: not known yet');
    const url = code ? joinUrl(this.origin, code) : this.origin;
    this.link.textContent = url;
    this.link.setAttribute('href', url);
    this.renderPolicy();
    this.renderControl();
    this.renderSettings();
    this.renderPresence();
  }

  private renderPolicy(): void {
    const mode = this.state.policy?.mode ?? null;
    for (const [m, radio] of this.policyRadios) radio.checked = m === mode;
  }

  private renderControl(paused = this.state.control?.paused ?? null): void {
    const control = this.state.control;
    if (paused === null) {
      this.pauseButton.textContent = 'Pause';
      this.pauseButton.disabled = true;
      this.runState.textContent = 'waiting for the engine…';
      return;
    }
    this.pauseButton.textContent = paused ? 'Resume' : 'Pause';
    this.pauseButton.disabled = this.pausePending;
    const resets = control && control.resets > 0 ? ` (${control.resets} reset${control.resets === 1 ? '' : 's'} so far)` : '';
    this.runState.textContent = `${paused ? 'Paused' : 'Running'}${resets}`;
    this.runState.classList.toggle('rg-paused', paused);
  }

  /** The settings in force (the latest control's, else the welcome's). */
  private current(): SettingsInput | null {
    return this.state.control?.settings ?? this.state.settings ?? null;
  }

  private renderSettings(): void {
    const current = this.current();
    const form = current ? formFromSettings(current) : null;
    if (form) this.resetFields.placeholders(form);
    // Keep what the host is typing.
    if (!form || this.hyperDirty || this.hyper.contains(document.activeElement)) return;
    this.hyper.fill(form);
  }

  private renderPresence(): void {
    const participants = this.state.presence?.participants ?? [];
    this.peopleCount.textContent = `(${presenceSummary(participants)})`;
    const seen = new Set<string>();
    let cursor: ChildNode | null = this.peopleList.firstChild;
    for (const participant of participants) {
      seen.add(participant.id);
      const row = this.row(participant);
      this.updateRow(row, participant);
      // Move rows only when the order changed (moving a focused button would lose its focus).
      if (row.item !== cursor) this.peopleList.insertBefore(row.item, cursor);
      else cursor = cursor.nextSibling;
    }
    for (const [id, row] of this.rows) {
      if (seen.has(id)) continue;
      const hadFocus = row.item.contains(document.activeElement);
      row.item.remove();
      this.rows.delete(id);
      // The focused row went away (its participant was removed): keep the focus in the list's section.
      if (hadFocus) this.peopleHeading.focus();
    }
    if (participants.length === 0 && this.peopleList.childElementCount === 0) this.peopleCount.textContent = '(nobody yet)';
  }

  private row(participant: ParticipantInfo) {
    const existing = this.rows.get(participant.id);
    if (existing) return existing;
    const name = h('span', { class: 'rg-person-name' });
    const role = h('span', { class: 'rg-person-role' });
    const link = h('span', { class: 'rg-person-link' });
    const button = h('button', { type: 'button', class: 'rg-button rg-small rg-danger' }, 'Remove');
    button.addEventListener('click', () => void this.remove(participant.id));
    const item = h('li', { class: 'rg-person' }, name, role, link, button);
    const row = { item, name, role, link, button };
    this.rows.set(participant.id, row);
    return row;
  }

  private updateRow(row: { item: HTMLLIElement; name: HTMLElement; role: HTMLElement; link: HTMLElement; button: HTMLButtonElement }, p: ParticipantInfo): void {
    const you = p.id === this.state.clientId;
    row.name.textContent = you ? `${p.nickname} (you)` : p.nickname;
    row.role.textContent = p.role;
    row.link.textContent = p.connected ? 'connected' : 'dropped';
    row.item.classList.toggle('rg-dropped', !p.connected);
    row.item.classList.toggle('rg-is-host', p.role === 'host');
    row.button.hidden = p.role !== 'student';
    row.button.setAttribute('aria-label', `Remove ${p.nickname}`);
  }

  // ---- commands ----

  private say(text: string): void {
    this.statusLine.textContent = text;
  }

  private fail(action: string, message: string): void {
    this.say('');
    this.alert.show(`${action}: ${message}`);
  }

  private async setPolicy(mode: PolicyMode): Promise<void> {
    if (this.state.policy?.mode === mode) return;
    this.alert.clear();
    const ack = await this.commands.setPolicy(mode);
    if (!ack.ok) {
      this.fail('Policy not changed', ack.message);
      this.renderPolicy();
      return;
    }
    this.say(`Temperature policy: ${policyTitle(ack.mode)}. ${policySentence(ack.mode)}`);
  }

  private async togglePause(): Promise<void> {
    const paused = this.state.control?.paused;
    if (paused === undefined || this.pausePending) return;
    this.alert.clear();
    this.pausePending = true;
    this.pauseButton.disabled = true;
    const ack = paused ? await this.commands.resume() : await this.commands.pause();
    this.pausePending = false;
    if (!ack.ok) {
      this.fail(paused ? 'Not resumed' : 'Not paused', ack.message);
      this.renderControl();
      return;
    }
    // The broadcast `control` follows; show the answer at once.
    this.renderControl(ack.control.paused);
    this.say(ack.control.paused ? 'Simulation paused.' : 'Simulation running.');
  }

  private async applyHyperparameters(): Promise<void> {
    this.alert.clear();
    const parsed = parseHyperparameters(this.hyper.read(), this.current());
    if (!parsed.ok) {
      this.hyper.showErrors(parsed.errors);
      this.fail('Not applied', 'fix the marked fields');
      return;
    }
    this.hyper.showErrors({});
    if (Object.keys(parsed.value).length === 0) {
      this.say('Nothing to apply: these are the settings in force.');
      return;
    }
    this.hyperSubmit.disabled = true;
    const ack = await this.commands.setHyperparameters(parsed.value);
    this.hyperSubmit.disabled = false;
    if (!ack.ok) {
      this.fail('Hyper-parameters not applied', ack.message);
      return;
    }
    this.hyperDirty = false;
    this.hyper.fill(formFromSettings(ack.control.settings));
    this.say(`Applied: ${describeSettings(parsed.value)}.`);
  }

  private async reset(): Promise<void> {
    this.alert.clear();
    const parsed = parseResetSettings(this.resetFields.read());
    if (!parsed.ok) {
      this.resetFields.showErrors(parsed.errors);
      this.fail('Not reset', 'fix the marked fields');
      return;
    }
    this.resetFields.showErrors({});
    const changes = describeSettings(parsed.value);
    const question = `Reset the run${changes ? ` with ${changes}` : ''}? The lattice and the networks start again from the seed.`;
    if (!this.confirm(question)) return;
    this.resetSubmit.disabled = true;
    const ack = await this.commands.reset(parsed.value);
    this.resetSubmit.disabled = false;
    if (!ack.ok) {
      this.fail('Not reset', ack.message);
      return;
    }
    this.resetFields.fill({ learningRate: '', l1: '', k: '', persistent: '', algorithm: '' });
    this.hyperDirty = false;
    this.say(`Run reset${changes ? ` with ${changes}` : ''}.`);
  }

  private async remove(id: string): Promise<void> {
    const row = this.rows.get(id);
    const participant = this.state.presence?.participants.find((p) => p.id === id);
    if (!row || !participant) return;
    if (!this.confirm(`Remove ${participant.nickname} from the session? They cannot come back for a while.`)) return;
    this.alert.clear();
    row.button.disabled = true;
    row.button.textContent = 'Removing…';
    const ack = await this.commands.removeParticipant(id);
    row.button.disabled = false;
    row.button.textContent = 'Remove';
    if (!ack.ok) {
      this.fail(`${participant.nickname} not removed`, ack.message);
      return;
    }
    this.say(`${participant.nickname} was removed.`);
  }

  private async copyLink(): Promise<void> {
    const url = this.link.textContent ?? '';
    try {
      await navigator.clipboard.writeText(url);
      this.say('Join link copied.');
    } catch {
      const range = document.createRange();
      range.selectNodeContents(this.link);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      this.say('Join link selected: copy it with Ctrl+C.');
    }
  }
}
