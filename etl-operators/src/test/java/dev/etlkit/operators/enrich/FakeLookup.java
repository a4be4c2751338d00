package dev.etlkit.operators.enrich;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A lookup for tests that records every call and answers when told: at once from its table ({@link
 * #answeringFromTable()}), or when the test completes the call ({@link Call#reply}, {@link
 * Call#fail}). Counts calls per key, so tests can see single-flight and retries.
 */
public final class FakeLookup implements Lookup<String, String> {
  private static final long serialVersionUID = 1L;

  private final Map<String, String> table = new HashMap<>();
  private final List<Call> calls = new ArrayList<>();
  private final boolean batch;
  private boolean answerAtOnce;
  private int opened;
  private int closed;

  private FakeLookup(boolean batch) {
    this.batch = batch;
  }

  /** A lookup whose calls wait for the test. */
  public static FakeLookup manual() {
    return new FakeLookup(false);
  }

  /** A batch-capable lookup whose calls wait for the test. */
  public static FakeLookup manualBatch() {
    return new FakeLookup(true);
  }

  /** Answers every call at once from the table (keys absent from it are misses). */
  public synchronized FakeLookup answeringFromTable() {
    answerAtOnce = true;
    return this;
  }

  public synchronized FakeLookup put(String key, String value) {
    table.put(key, value);
    return this;
  }

  public synchronized FakeLookup remove(String key) {
    table.remove(key);
    return this;
  }

  @Override
  public synchronized CompletableFuture<Optional<String>> lookup(String key) {
    Call call = new Call(List.of(key), false);
    calls.add(call);
    if (answerAtOnce) {
      call.replyFromTable();
    }
    @SuppressWarnings("unchecked")
    CompletableFuture<Optional<String>> f =
        (CompletableFuture<Optional<String>>) (CompletableFuture<?>) call.future;
    return f;
  }

  @Override
  public synchronized CompletableFuture<Map<String, String>> lookupAll(Collection<String> keys) {
    Call call = new Call(new ArrayList<>(keys), true);
    calls.add(call);
    if (answerAtOnce) {
      call.replyFromTable();
    }
    @SuppressWarnings("unchecked")
    CompletableFuture<Map<String, String>> f =
        (CompletableFuture<Map<String, String>>) (CompletableFuture<?>) call.future;
    return f;
  }

  @Override
  public boolean supportsBatch() {
    return batch;
  }

  @Override
  public synchronized void open(LookupContext context) {
    opened++;
  }

  @Override
  public synchronized void close() {
    closed++;
  }

  public synchronized List<Call> calls() {
    return new ArrayList<>(calls);
  }

  public synchronized Call call(int index) {
    return calls.get(index);
  }

  public synchronized Call lastCall() {
    return calls.get(calls.size() - 1);
  }

  /** Calls whose future is not completed yet. */
  public synchronized List<Call> openCalls() {
    List<Call> open = new ArrayList<>();
    for (Call c : calls) {
      if (!c.future.isDone()) {
        open.add(c);
      }
    }
    return open;
  }

  public synchronized int callCount() {
    return calls.size();
  }

  /** Calls that asked for {@code key} (a batch counts once for each of its keys). */
  public synchronized int callsFor(String key) {
    int n = 0;
    for (Call c : calls) {
      if (c.keys.contains(key)) {
        n++;
      }
    }
    return n;
  }

  public synchronized int opened() {
    return opened;
  }

  public synchronized int closed() {
    return closed;
  }

  /** One call to the lookup. */
  public final class Call {
    public final List<String> keys;
    public final boolean isBatch;
    final CompletableFuture<Object> future = new CompletableFuture<>();

    Call(List<String> keys, boolean isBatch) {
      this.keys = keys;
      this.isBatch = isBatch;
    }

    public String key() {
      return keys.get(0);
    }

    /** Answers with the table's current values. */
    public void replyFromTable() {
      Map<String, String> found = new HashMap<>();
      synchronized (FakeLookup.this) {
        for (String k : keys) {
          if (table.containsKey(k)) {
            found.put(k, table.get(k));
          }
        }
      }
      complete(found);
    }

    /**
     * Answers a single call with {@code value} (null for a miss), a batch with it for every key.
     */
    public void reply(String value) {
      Map<String, String> found = new HashMap<>();
      if (value != null) {
        for (String k : keys) {
          found.put(k, value);
        }
      }
      complete(found);
    }

    public void fail(Throwable error) {
      future.completeExceptionally(error);
    }

    public boolean isDone() {
      return future.isDone();
    }

    private void complete(Map<String, String> found) {
      if (isBatch) {
        future.complete(found);
      } else {
        future.complete(Optional.ofNullable(found.get(key())));
      }
    }
  }
}
