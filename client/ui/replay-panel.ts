/**
 * Recordings and their replay: the list of this server's recordings (name, start, duration,
 * whether it is being recorded now) with "Watch" per recording; while one is open, a clear
 * "REPLAY — not live" banner, a timeline (a range input over [0, duration]: drag or use the
 * arrow, Page and Home/End keys) with the recorded markers as ticks under it and listed below
 * (a click seeks there), play/pause, speed, the position and "Back to live". The panel drives
 * the ReplayController only; the replayed state reaches the page's views through it.
 */
import './classroom.css';
import type { ReplayStatusPayload } from '../../shared/protocol/events.js';
import type { RecordingMarker, RecordingMeta, ReplayController } from '../state/replay-controller.js';
import { AlertLine, h, uniqueId } from './dom.js';
import { formatClock, MARKER_KINDS, markerKindName, placeMarkers, REPLAY_SPEEDS, spokenClock, timelineStep, type MarkerTick } from './timeline.js';

/** How long after the user moved the timeline the position from the server is not shown, ms. */
const LOCAL_INPUT_HOLD_MS = 800;
/** How often the position is redrawn while playing, ms. */
const TICK_MS = 200;
/** Most markers listed at once (a busy free-for-all session records many temperature changes). */
const MAX_LISTED_MARKERS = 300;
/** How often the markers of a recording still being written are fetched again, ms. */
const LIVE_MARKERS_REFRESH_MS = 15_000;

/** Which marker kind a tick of several shows (the most telling). */
const KIND_PRIORITY = ['tc-crossing', 'host-action', 'milestone', 'temperature'];

function tickKind(tick: MarkerTick): string {
  for (const kind of KIND_PRIORITY) if (tick.markers.some((m) => m.kind === kind)) return kind;
  return tick.markers[0]?.kind ?? 'other';
}

function kindClass(kind: string): string {
  return `rg-kind-${kind.replace(/[^a-z0-9-]/gi, '')}`;
}

export class ReplayPanel {
  private readonly alert = new AlertLine();
  private readonly player = h('div', { class: 'rg-replay-player', hidden: true });
  private readonly bannerName = h('span', { class: 'rg-banner-name' });
  private readonly range = h('input', { type: 'range', min: 0, max: 0, step: 1000, value: 0 });
  private readonly ticks = h('div', { class: 'rg-marker-ticks', 'aria-hidden': 'true' });
  private readonly playButton = h('button', { type: 'button', class: 'rg-button rg-primary' }, 'Play');
  private readonly speed = h('select', {});
  private readonly clock = h('span', { class: 'rg-clock' }, '0:00 / 0:00');
  private readonly backButton = h('button', { type: 'button', class: 'rg-button rg-live-button' }, 'Back to live');
  private readonly markerFilter = h('select', {});
  private readonly markerList = h('ol', { class: 'rg-marker-list' });
  private readonly markerNote = h('p', { class: 'rg-hint' });
  private readonly markersTitle = h('h3', {}, 'Markers');
  private readonly libraryTitle = h('h3', { tabindex: -1 }, 'Saved recordings');
  private readonly refreshButton = h('button', { type: 'button', class: 'rg-button rg-small' }, 'Refresh');
  private readonly libraryNote = h('p', { class: 'rg-hint', role: 'status' });
  private readonly recordingList = h('ul', { class: 'rg-recordings' });
  private recordings: RecordingMeta[] = [];
  private markers: RecordingMarker[] = [];
  private markersFor: string | null = null;
  private lastLocalInput = -Infinity;
  private dragging = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private markersTimer: ReturnType<typeof setInterval> | null = null;
  private listRequest = 0;
  /** What the ticks were drawn for (duration, recording, marker count). */
  private ticksFor = '';

  constructor(
    private readonly container: HTMLElement,
    private readonly controller: ReplayController,
  ) {
    container.classList.add('rg-panel', 'rg-replay');
    container.replaceChildren(this.build());
    controller.on('opened', (recording) => this.onOpened(recording.id, recording.name));
    controller.on('status', (status) => this.onStatus(status));
    controller.on('closed', (closed) => {
      this.onClosed();
      if (closed.reason === 'stopped') this.alert.show(`The replay stopped: ${closed.message ?? 'unknown error'}. Back to live.`);
    });
    void this.refresh();
  }

  /** Loads the list of recordings again. */
  async refresh(): Promise<void> {
    const request = ++this.listRequest;
    this.refreshButton.disabled = true;
    this.libraryNote.textContent = 'Loading recordings…';
    try {
      const recordings = await this.controller.list();
      if (request !== this.listRequest) return;
      this.recordings = recordings;
      this.libraryNote.textContent = recordings.length === 0 ? 'No recordings yet.' : `${recordings.length} recording${recordings.length === 1 ? '' : 's'}.`;
      this.renderLibrary();
    } catch (error) {
      if (request !== this.listRequest) return;
      this.libraryNote.textContent = '';
      this.alert.show(`Could not list the recordings: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (request === this.listRequest) this.refreshButton.disabled = false;
    }
  }

  private build(): DocumentFragment {
    const titleId = uniqueId('replay-title');
    if (!this.container.hasAttribute('aria-label') && !this.container.hasAttribute('aria-labelledby')) this.container.setAttribute('aria-labelledby', titleId);

    const rangeId = uniqueId('replay-position');
    this.range.id = rangeId;
    this.range.disabled = true;
    this.range.addEventListener('pointerdown', () => (this.dragging = true));
    this.range.addEventListener('pointerup', () => (this.dragging = false));
    this.range.addEventListener('pointercancel', () => (this.dragging = false));
    this.range.addEventListener('input', () => {
      this.lastLocalInput = performance.now();
      this.showPosition(Number(this.range.value), false);
    });
    this.range.addEventListener('keydown', (event) => {
      // The range's values are multiples of its step: End goes to the true end, which may lie between two.
      if (event.key !== 'End' || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      const end = this.controller.status?.durationMs ?? Number(this.range.max);
      this.lastLocalInput = performance.now();
      this.range.value = String(end);
      this.showPosition(end, false);
      void this.seek(end);
    });
    this.range.addEventListener('change', () => {
      this.dragging = false;
      this.lastLocalInput = performance.now();
      void this.seek(Number(this.range.value));
    });

    const speedId = uniqueId('replay-speed');
    this.speed.id = speedId;
    for (const s of REPLAY_SPEEDS) this.speed.append(h('option', { value: String(s) }, `${s}×`));
    this.speed.value = '1';
    this.speed.addEventListener('change', () => void this.setSpeed(Number(this.speed.value)));

    this.playButton.addEventListener('click', () => void this.togglePlay());
    this.backButton.addEventListener('click', () => void this.controller.close());

    const filterId = uniqueId('marker-filter');
    this.markerFilter.id = filterId;
    this.markerFilter.append(h('option', { value: '' }, 'all kinds'), ...MARKER_KINDS.map((kind) => h('option', { value: kind }, `${markerKindName(kind)}s`)));
    this.markerFilter.addEventListener('change', () => this.renderMarkerList());

    this.player.append(
      h('p', { class: 'rg-replay-banner', role: 'status' }, h('strong', {}, 'REPLAY — not live'), ' ', this.bannerName),
      h(
        'div',
        { class: 'rg-timeline' },
        h('label', { for: rangeId, class: 'rg-visually-hidden' }, 'Replay position'),
        this.range,
        this.ticks,
      ),
      h(
        'div',
        { class: 'rg-transport' },
        this.playButton,
        h('span', { class: 'rg-speed' }, h('label', { for: speedId }, 'Speed'), this.speed),
        this.clock,
        this.backButton,
      ),
      h(
        'div',
        { class: 'rg-markers' },
        h('div', { class: 'rg-row' }, this.markersTitle, h('span', { class: 'rg-speed' }, h('label', { for: filterId }, 'Show'), this.markerFilter)),
        this.markerNote,
        this.markerList,
      ),
    );

    this.refreshButton.addEventListener('click', () => void this.refresh());
    const library = h(
      'div',
      { class: 'rg-library' },
      h('div', { class: 'rg-row' }, this.libraryTitle, this.refreshButton),
      this.libraryNote,
      this.recordingList,
    );

    const fragment = document.createDocumentFragment();
    fragment.append(h('h2', { class: 'rg-title', id: titleId }, 'Recordings'), this.player, this.alert.element, library);
    return fragment;
  }

  // ---- the list of recordings ----

  private renderLibrary(): void {
    const open = this.controller.recording?.id ?? null;
    this.recordingList.replaceChildren(
      ...this.recordings.map((recording) => {
        const watch = h('button', { type: 'button', class: 'rg-button rg-small', 'aria-label': `Watch ${recording.name}` }, open === recording.id ? 'Restart' : 'Watch');
        watch.dataset.recordingId = recording.id;
        watch.addEventListener('click', () => void this.watch(recording, watch));
        const facts = [
          new Date(recording.startedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
          formatClock(recording.durationMs),
          ...(recording.importedAt !== null ? ['imported'] : []),
        ].join(' · ');
        return h(
          'li',
          { class: open === recording.id ? 'rg-recording rg-current' : 'rg-recording', 'aria-current': open === recording.id ? 'true' : null },
          h(
            'span',
            { class: 'rg-recording-text' },
            h('span', { class: 'rg-recording-name' }, recording.name),
            ' ',
            ...(recording.live ? [h('span', { class: 'rg-live-badge' }, 'recording now')] : []),
            h('span', { class: 'rg-hint rg-recording-facts' }, facts),
          ),
          watch,
        );
      }),
    );
  }

  private async watch(recording: RecordingMeta, button: HTMLButtonElement): Promise<void> {
    this.alert.clear();
    button.disabled = true;
    const label = button.textContent;
    button.textContent = 'Opening…';
    const ack = await this.controller.open(recording.id);
    button.disabled = false;
    button.textContent = label;
    if (!ack.ok) this.alert.show(`Could not open “${recording.name}”: ${ack.message}`);
  }

  // ---- the player ----

  private onOpened(id: string, name: string): void {
    const moveFocus = this.container.contains(document.activeElement) || document.activeElement === document.body;
    this.player.hidden = false;
    this.range.disabled = false;
    this.bannerName.textContent = `“${name}”`;
    document.body.classList.add('rg-replaying');
    this.renderLibrary();
    if (this.markersFor !== id) {
      this.markers = [];
      this.markersFor = id;
      this.renderMarkers();
    }
    void this.loadMarkers(id);
    this.stopMarkersRefresh();
    if (this.recordings.find((r) => r.id === id)?.live) {
      this.markersTimer = setInterval(() => void this.loadMarkers(id), LIVE_MARKERS_REFRESH_MS);
    }
    if (moveFocus) this.playButton.focus();
  }

  private onClosed(): void {
    const hadFocus = this.player.contains(document.activeElement);
    this.player.hidden = true;
    this.range.disabled = true;
    this.stopTimer();
    this.stopMarkersRefresh();
    this.markersFor = null;
    document.body.classList.remove('rg-replaying');
    this.renderLibrary();
    if (hadFocus) this.libraryTitle.focus();
  }

  private onStatus(status: ReplayStatusPayload): void {
    const duration = Math.max(0, status.durationMs);
    this.range.max = String(duration);
    this.range.step = String(timelineStep(duration));
    this.playButton.textContent = status.playing ? 'Pause' : status.ended ? 'Play from the start' : 'Play';
    if (this.speed.value !== String(status.speed)) this.speed.value = String(status.speed);
    this.update();
    if (status.playing) this.startTimer();
    else this.stopTimer();
    if (this.markersFor) this.renderTicks();
  }

  /** Redraws the position (not while the user holds the timeline). */
  private update(): void {
    const status = this.controller.status;
    if (!status) return;
    const held = this.dragging || performance.now() - this.lastLocalInput < LOCAL_INPUT_HOLD_MS;
    if (held) return;
    this.showPosition(this.controller.position(), true);
  }

  private showPosition(positionMs: number, moveRange: boolean): void {
    const duration = this.controller.status?.durationMs ?? 0;
    if (moveRange) this.range.value = String(positionMs);
    this.clock.textContent = `${formatClock(positionMs)} / ${formatClock(duration)}`;
    this.range.setAttribute('aria-valuetext', `${spokenClock(positionMs)} of ${spokenClock(duration)}`);
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.update(), TICK_MS);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private stopMarkersRefresh(): void {
    if (this.markersTimer) clearInterval(this.markersTimer);
    this.markersTimer = null;
  }

  private async togglePlay(): Promise<void> {
    this.alert.clear();
    const ack = this.controller.status?.playing ? await this.controller.pause() : await this.controller.play();
    if (!ack.ok) this.alert.show(`Replay: ${ack.message}`);
  }

  private async seek(tMs: number): Promise<void> {
    const ack = await this.controller.seek(tMs);
    if (!ack.ok) this.alert.show(`Could not move the replay: ${ack.message}`);
  }

  private async setSpeed(speed: number): Promise<void> {
    const ack = await this.controller.setSpeed(speed);
    if (!ack.ok) {
      this.alert.show(`Speed not changed: ${ack.message}`);
      this.speed.value = String(this.controller.status?.speed ?? 1);
    }
  }

  // ---- markers ----

  private async loadMarkers(id: string): Promise<void> {
    try {
      const details = await this.controller.details(id);
      if (this.markersFor !== id) return;
      this.markers = details.markers;
      this.renderMarkers();
    } catch (error) {
      if (this.markersFor !== id) return;
      this.alert.show(`Could not load the markers: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private renderMarkers(): void {
    this.markersTitle.textContent = `Markers (${this.markers.length})`;
    this.renderTicks();
    this.renderMarkerList();
  }

  private renderTicks(): void {
    const duration = this.controller.status?.durationMs ?? 0;
    // Status reports come with every control: redraw only when the duration or the markers changed.
    const key = `${duration}:${this.markersFor}:${this.markers.length}`;
    if (key === this.ticksFor) return;
    this.ticksFor = key;
    const ticks = duration > 0 ? placeMarkers(this.markers, duration, 0.005) : [];
    this.ticks.replaceChildren(
      ...ticks.map((tick) => {
        const kind = tickKind(tick);
        const title = tick.markers.map((m) => `${formatClock(m.tMs)} ${m.label}`).join('\n');
        const button = h('button', { type: 'button', tabindex: -1, class: `rg-tick ${kindClass(kind)}`, title, style: `left:${(tick.fraction * 100).toFixed(3)}%` });
        // The ticks are a mouse shortcut (the list below is the keyboard's): keep the focus on the timeline.
        button.addEventListener('mousedown', (event) => event.preventDefault());
        button.addEventListener('click', () => {
          this.range.focus();
          this.lastLocalInput = performance.now();
          this.range.value = String(tick.tMs);
          this.showPosition(tick.tMs, false);
          void this.seek(tick.tMs);
        });
        return button;
      }),
    );
  }

  private renderMarkerList(): void {
    const kind = this.markerFilter.value;
    const shown = kind ? this.markers.filter((m) => m.kind === kind) : this.markers;
    const listed = shown.slice(0, MAX_LISTED_MARKERS);
    this.markerNote.textContent =
      this.markers.length === 0
        ? 'No markers in this recording.'
        : shown.length > listed.length
          ? `The first ${listed.length} of ${shown.length} are listed; pick a kind to see others.`
          : shown.length === 0
            ? 'None of this kind.'
            : '';
    this.markerList.replaceChildren(
      ...listed.map((marker) => {
        const button = h(
          'button',
          { type: 'button', class: `rg-marker ${kindClass(marker.kind)}` },
          h('span', { class: 'rg-marker-time' }, formatClock(marker.tMs)),
          h('span', { class: 'rg-marker-kind' }, markerKindName(marker.kind)),
          h('span', { class: 'rg-marker-label' }, marker.label),
        );
        button.setAttribute('aria-label', `${formatClock(marker.tMs)}, ${markerKindName(marker.kind)}: ${marker.label}. Go there.`);
        button.addEventListener('click', () => {
          this.lastLocalInput = performance.now();
          this.range.value = String(marker.tMs);
          this.showPosition(marker.tMs, false);
          void this.seek(marker.tMs);
        });
        return h('li', {}, button);
      }),
    );
  }
}
