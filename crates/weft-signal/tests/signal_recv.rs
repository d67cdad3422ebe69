//! Listening to signals sent to the process: delivery, many listeners, coalescing, streams,
//! cancellation, ctrl_c, and the signals that cannot be listened to. Both runtime flavours.

mod support;

use std::io::ErrorKind;
use std::time::Duration;

use futures_util::StreamExt;
use support::{flavors, fresh_signal, keep_listening, raise};
use weft_io::time::timeout;
use weft_signal::unix::{signal, SignalKind};

/// Long enough for a delivery that was going to come to have come.
const QUIET: Duration = Duration::from_millis(100);

flavors! {
    async fn recv_sees_a_signal_sent_to_self() {
        let kind = fresh_signal();
        let mut listener = signal(kind).unwrap();
        raise(kind);
        assert_eq!(listener.recv().await, Some(()));
        assert_eq!(listener.kind(), kind);
    }

    async fn every_listener_sees_each_delivery() {
        let kind = fresh_signal();
        let mut listeners: Vec<_> = (0..5).map(|_| signal(kind).unwrap()).collect();
        for _round in 0..3 {
            raise(kind);
            for listener in &mut listeners {
                assert_eq!(listener.recv().await, Some(()));
            }
        }
    }

    async fn listeners_in_many_tasks_are_all_woken() {
        let kind = fresh_signal();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let mut listener = signal(kind).unwrap();
                let ready = ready_tx.clone();
                weft_runtime::spawn(async move {
                    ready.send(()).unwrap();
                    listener.recv().await
                })
            })
            .collect();
        for _ in 0..10 {
            // Each listener exists before the signal is sent (it was made above); the channel
            // only makes sure every task is running.
            while ready_rx.try_recv().is_err() {
                weft_core::future::yield_now().await;
            }
        }
        raise(kind);
        for task in tasks {
            assert_eq!(task.await.unwrap(), Some(()));
        }
    }

    async fn a_burst_coalesces_and_still_wakes_the_listener() {
        let kind = fresh_signal();
        let mut listener = signal(kind).unwrap();
        for _ in 0..20 {
            raise(kind);
        }
        let mut seen = 0;
        while timeout(QUIET, listener.recv()).await.is_ok() {
            seen += 1;
        }
        assert!(seen >= 1, "the listener missed the burst");
        assert!(seen < 20, "20 deliveries sent without a poll between were seen {seen} times");
    }

    async fn a_listener_made_after_a_delivery_does_not_see_it() {
        let kind = fresh_signal();
        let mut first = signal(kind).unwrap();
        raise(kind);
        first.recv().await.unwrap();
        let mut second = signal(kind).unwrap();
        assert!(timeout(QUIET, second.recv()).await.is_err());
        assert!(timeout(QUIET, first.recv()).await.is_err());
        raise(kind);
        assert_eq!(second.recv().await, Some(()));
        assert_eq!(first.recv().await, Some(()));
    }

    async fn a_signal_is_a_stream() {
        let kind = fresh_signal();
        let mut listener = signal(kind).unwrap();
        for _ in 0..3 {
            raise(kind);
            assert_eq!(listener.next().await, Some(()));
        }
    }

    async fn recv_is_cancel_safe() {
        let kind = fresh_signal();
        let mut listener = signal(kind).unwrap();
        assert!(timeout(Duration::from_millis(10), listener.recv()).await.is_err());
        raise(kind);
        // The delivery arrives while no recv future exists; the next one sees it.
        weft_io::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(listener.recv().await, Some(()));
    }

    async fn a_delivery_from_another_thread_wakes_the_listener() {
        let kind = fresh_signal();
        let mut listener = signal(kind).unwrap();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            raise(kind);
        });
        assert_eq!(listener.recv().await, Some(()));
        sender.join().unwrap();
    }

    async fn ctrl_c_completes_on_sigint() {
        keep_listening(SignalKind::interrupt());
        let press = async {
            weft_core::future::yield_now().await;
            raise(SignalKind::interrupt());
        };
        let (stopped, ()) = weft_core::join!(weft_signal::ctrl_c(), press);
        stopped.unwrap();
    }

    async fn signals_that_cannot_be_listened_to_are_errors() {
        for signum in [
            libc::SIGKILL,
            libc::SIGSTOP,
            libc::SIGSEGV,
            libc::SIGILL,
            libc::SIGFPE,
            0,
            -1,
            65,
            1000,
        ] {
            let err = signal(SignalKind::from_raw(signum)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "signal {signum}: {err}");
        }
        let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
        assert!(err.to_string().contains("SIGKILL"), "{err}");
    }
}
