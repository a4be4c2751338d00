package dev.etlkit.operators.enrich.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.etlkit.operators.enrich.Lookup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Opens lookups for a test and closes them after it, and waits for their futures with a bound.
 * Shared by the JDBC and HTTP lookup tests.
 */
public final class LookupTesting {
  private final List<Lookup<?, ?>> opened = new ArrayList<>();

  /** Opens {@code lookup} as subtask 0 of 1; closed by {@link #closeAll()}. */
  public <L extends Lookup<?, ?>> L open(L lookup) throws Exception {
    return open(lookup, new RecordingLookupContext());
  }

  /** Opens {@code lookup} with {@code context}; closed by {@link #closeAll()}. */
  public <L extends Lookup<?, ?>> L open(L lookup, RecordingLookupContext context)
      throws Exception {
    opened.add(lookup);
    lookup.open(context);
    return lookup;
  }

  /** Closes {@code lookup} in {@link #closeAll()}, for a test that opens it itself. */
  public <L extends Lookup<?, ?>> L closeAfter(L lookup) {
    opened.add(lookup);
    return lookup;
  }

  public void closeAll() throws Exception {
    for (Lookup<?, ?> lookup : opened) {
      lookup.close();
    }
    opened.clear();
  }

  /** The future's value, waiting at most 10 s. */
  public static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  /** The exception of type {@code type} the future fails with, waiting at most 10 s. */
  public static <E extends Throwable> E failure(CompletableFuture<?> future, Class<E> type) {
    Throwable thrown = catchThrowable(() -> await(future));
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    assertThat(thrown.getCause()).isInstanceOf(type);
    return type.cast(thrown.getCause());
  }
}
