//! The ring must be noticed (USERS.md: "silent ringtone"). While a call or chat rings in the owner tab,
//! a two-tone ring generated with WebAudio plays in the frame (no audio file is shipped). A browser
//! starts audio only after a click in the frame (the autoplay policy): when the tone cannot start, the
//! agent sees "Sound is blocked — click to enable ringing", and that click, or any click or key in the
//! frame, enables it. The ring stops as soon as nothing rings (answered, declined, the far end gave
//! up), and after [`BURSTS`] bursts at most (then `data-ringtone` says `off` while the card still
//! shows), so a ring nobody takes does not go on for ever.

use std::cell::RefCell;

use leptos::prelude::*;
use web_sys::{AudioContext, AudioContextState, AudioNode, GainNode, OscillatorNode};

/// What the ringtone is doing, also on the softphone as `data-ringtone` (the one place a test can
/// observe sound).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Off,
    Ringing,
    /// Something rings but the browser has not let the frame start audio.
    Blocked,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Off => "off",
            Tone::Ringing => "ringing",
            Tone::Blocked => "blocked",
        }
    }
}

#[derive(Clone, Copy)]
pub struct RingState {
    pub tone: RwSignal<Tone>,
    /// The browser refused to start audio in this frame: the notice shows until the agent enables it
    /// (it stays after a ring ends, since the next ring would be silent too).
    pub blocked: RwSignal<bool>,
}

impl RingState {
    pub fn new() -> Self {
        Self {
            tone: RwSignal::new(Tone::Off),
            blocked: RwSignal::new(false),
        }
    }
}

/// North American ring: 440 + 480 Hz, 1 s on, 2 s off, quiet.
const FREQUENCIES: [f32; 2] = [440.0, 480.0];
const ON_S: f64 = 1.0;
const PERIOD_S: f64 = 3.0;
const LEVEL: f32 = 0.08;
/// 15 bursts: 45 s, longer than CCAI lets a call ring an agent.
const BURSTS: u32 = 15;

struct Voice {
    oscillators: Vec<OscillatorNode>,
    gain: GainNode,
}

struct Player {
    ctx: AudioContext,
    voice: Option<Voice>,
    /// Counts voices, so that the end of an old one does not silence a newer one.
    voices: u32,
}

impl Player {
    /// A player with nothing playing yet.
    fn new() -> Option<Player> {
        AudioContext::new().ok().map(|ctx| Player {
            ctx,
            voice: None,
            voices: 0,
        })
    }
}

thread_local! {
    static PLAYER: RefCell<Option<Player>> = const { RefCell::new(None) };
}

/// The ring played all its bursts (on the audio clock): it is over, though the card still shows.
fn ended(ring: RingState, which: u32) {
    let over = PLAYER.with(|p| {
        let mut p = p.borrow_mut();
        let player = p.as_mut().filter(|p| p.voices == which)?;
        player.voice.take().map(|_| ())
    });
    if over.is_some() {
        ring.tone.set(Tone::Off);
    }
}

/// The whole ring, scheduled at once on the context's clock: a suspended context (autoplay) holds
/// its clock, so the ring starts from the beginning when the agent enables sound.
fn voice(ctx: &AudioContext) -> Result<Voice, wasm_bindgen::JsValue> {
    let gain = ctx.create_gain()?;
    let level = gain.gain();
    level.set_value(0.0);
    AsRef::<AudioNode>::as_ref(&gain).connect_with_audio_node(&ctx.destination())?;
    let t0 = ctx.current_time() + 0.05;
    for k in 0..BURSTS {
        let t = t0 + f64::from(k) * PERIOD_S;
        level.set_value_at_time(LEVEL, t)?;
        level.set_value_at_time(0.0, t + ON_S)?;
    }
    let mut oscillators = Vec::new();
    for f in FREQUENCIES {
        let osc = ctx.create_oscillator()?;
        osc.frequency().set_value(f);
        AsRef::<AudioNode>::as_ref(&osc).connect_with_audio_node(&gain)?;
        osc.start_with_when(t0)?;
        osc.stop_with_when(t0 + f64::from(BURSTS) * PERIOD_S)?;
        oscillators.push(osc);
    }
    Ok(Voice { oscillators, gain })
}

/// The tone as it is now: off without a voice, blocked while the context is not running.
fn current() -> Tone {
    PLAYER.with(|p| match p.borrow().as_ref() {
        Some(Player {
            voice: Some(_),
            ctx,
            ..
        }) if ctx.state() == AudioContextState::Running => Tone::Ringing,
        Some(Player { voice: Some(_), .. }) => Tone::Blocked,
        _ => Tone::Off,
    })
}

fn running() -> bool {
    PLAYER.with(|p| {
        p.borrow()
            .as_ref()
            .is_some_and(|p| p.ctx.state() == AudioContextState::Running)
    })
}

/// Rings while `on`; silent otherwise. Called whenever "something rings" changes.
pub fn set_ringing(ring: RingState, on: bool) {
    if on {
        start(ring);
    } else {
        stop(ring);
    }
}

fn start(ring: RingState) {
    let started = PLAYER.with(|p| {
        let mut p = p.borrow_mut();
        if p.is_none() {
            *p = Player::new();
        }
        let player = p.as_mut()?;
        if player.voice.is_none() {
            player.voices += 1;
            player.voice = voice(&player.ctx).ok();
            let which = player.voices;
            if let Some(first) = player.voice.as_ref().and_then(|v| v.oscillators.first()) {
                let done = wasm_bindgen::closure::Closure::once_into_js(move || ended(ring, which));
                first.set_onended(Some(wasm_bindgen::JsCast::unchecked_ref(&done)));
            }
        }
        // Without a click in the frame yet this promise waits (it does not fail): checked below.
        let _ = player.ctx.resume();
        Some(())
    });
    if started.is_none() {
        return; // No WebAudio here: the ringing card is all there is.
    }
    ring.tone.set(current());
    // `resume` settles asynchronously even when allowed: judge after a moment.
    leptos::task::spawn_local(async move {
        crate::timer::sleep_ms(300).await;
        let tone = current();
        ring.tone.set(tone);
        if tone == Tone::Blocked {
            ring.blocked.set(true);
        }
    });
}

fn stop(ring: RingState) {
    PLAYER.with(|p| {
        if let Some(voice) = p.borrow_mut().as_mut().and_then(|p| p.voice.take()) {
            for osc in &voice.oscillators {
                let _ = osc.stop();
            }
            let _ = AsRef::<AudioNode>::as_ref(&voice.gain).disconnect();
        }
    });
    ring.tone.set(Tone::Off);
}

/// The agent's click (a user gesture in this frame): audio may start now.
pub fn enable(ring: RingState) {
    let promise = PLAYER.with(|p| {
        let mut p = p.borrow_mut();
        if p.is_none() {
            *p = Player::new();
        }
        p.as_ref().and_then(|p| p.ctx.resume().ok())
    });
    let Some(promise) = promise else {
        ring.blocked.set(false);
        return;
    };
    leptos::task::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        if running() {
            ring.blocked.set(false);
        }
        ring.tone.set(current());
    });
}
