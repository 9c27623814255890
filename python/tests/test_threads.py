"""Model.forward from several Python threads, and the GIL released while a model runs."""
import threading
import time

import numpy as np
import pytest
import tessera


def test_four_threads_on_one_model_match_a_single_threaded_run(tiny_cnn):
    model = tessera.load(tiny_cnn)
    rng = np.random.default_rng(3)
    inputs = [rng.random((1, 3, 32, 32), dtype=np.float32) for _ in range(8)]
    expected = [model.forward(x)[0] for x in inputs]
    results, errors = {}, []

    def work(thread):
        try:
            for step in range(40):
                i = (step * (thread + 1) + thread) % len(inputs)
                results[(thread, step)] = (i, model.forward(inputs[i])[0])
        except Exception as e:  # reported below: a failure in a thread must fail the test
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 4 * 40
    for i, output in results.values():
        np.testing.assert_array_equal(output, expected[i])
    assert 1 <= len(model._pool) <= 4  # one session per concurrent caller at most


def _longest_pause_during_a_run(session, x):
    """The longest time this thread went without running Python while another thread ran `session`. The
    worker starts its run only once this thread is ticking, so a run that held the GIL would show up as a
    pause as long as the run."""
    go, window = threading.Event(), {}

    def work():
        go.wait()
        window["start"] = time.perf_counter()
        session.run(x)
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    worker.start()
    ticks = [time.perf_counter()]
    go.set()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    ticks.append(time.perf_counter())
    worker.join()
    assert ticks[0] < window["start"] and window["end"] < ticks[-1]
    return max(np.diff(ticks))


def test_the_gil_is_released_while_a_model_runs(slow_model):
    model = tessera.load(slow_model)
    session = model.session(threads=1)
    x = np.random.default_rng(4).standard_normal((512, 1024)).astype(np.float32)
    session.run(x)  # warm up
    start = time.perf_counter()
    session.run(x)
    run_time = time.perf_counter() - start
    assert run_time > 0.02, "the model runs too fast to tell"
    # The best of three, so that a loaded machine descheduling this thread once does not fail the test.
    longest_pause = min(_longest_pause_during_a_run(session, x) for _ in range(3))
    assert longest_pause < run_time / 2, f"Python paused {longest_pause * 1e3:.1f} ms of a {run_time * 1e3:.1f} ms run"


def test_a_session_used_by_two_threads_at_once_raises(slow_model):
    session = tessera.load(slow_model).session(threads=1)
    x = np.zeros((512, 1024), np.float32)
    worker = threading.Thread(target=session.run, args=(x,))
    worker.start()
    while not session._busy.locked() and worker.is_alive():
        time.sleep(0.0005)
    with pytest.raises(RuntimeError, match="used by one thread at a time"):
        session.run(x)
    worker.join()
    session.run(x)  # usable again once the other thread is done
