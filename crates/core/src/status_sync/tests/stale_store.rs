//! A stale owner never stores its queue over a later owner's (issue 14: nothing lost across a term
//! change). The machine stores nothing once it knows of a later term; what it stores before it knows
//! carries its term's epoch, which the executor checks against the stored fence under the storage lock.

use super::*;
use crate::ownership::fence_allows;

/// How an owner learns that a later term exists.
enum Loss {
    /// Its write answered 409 for a later term.
    Fenced,
    /// Another tab stole the Web Lock.
    LockStolen,
}

fn stores(actions: &[Action]) -> Vec<&Action> {
    actions
        .iter()
        .filter(|a| matches!(a, Action::StoreQueue { .. }))
        .collect()
}

#[test]
fn a_tab_that_learns_of_a_later_term_stores_no_queue() {
    for (name, loss) in [("409", Loss::Fenced), ("lock stolen", Loss::LockStolen)] {
        let mut s = owner(false);
        s.handle_choice(BUSY, 5);
        let w = writes(&drain(&mut s));
        match loss {
            Loss::Fenced => s.handle_write_result(&w[0].key, refused(409), 6),
            Loss::LockStolen => s.handle_lock_lost(6),
        }
        let out = drain(&mut s);
        assert!(
            stores(&out).is_empty(),
            "{name}: the later owner's stored queue must not be replaced: {out:?}"
        );
        assert_eq!(s.may_write(), None, "{name}");
    }
}

#[test]
fn every_store_carries_its_terms_epoch_which_a_later_fence_refuses() {
    let mut s = owner(false);
    let mine = s.may_write().cloned().expect("owner");
    s.handle_choice(BUSY, 5);
    let out = drain(&mut s);
    let later = Epoch {
        term: mine.term + 1,
        tab: TabId("t2".into()),
    };
    assert!(!stores(&out).is_empty());
    for store in stores(&out) {
        let Action::StoreQueue { epoch, .. } = store else {
            unreachable!()
        };
        assert_eq!(epoch, &mine);
        // (stored fence, whether this term's store may land)
        for (fence, allowed) in [(None, true), (Some(&mine), true), (Some(&later), false)] {
            assert_eq!(fence_allows(epoch, fence), allowed, "fence {fence:?}");
        }
    }
}
