package dev.etlkit.operators.enrich.internal.async;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;

/** The failure a lookup's future stands for, out of the wrappers futures put around it. */
@Internal
public final class FutureFailures {

  /** A bound on the walk: wrappers may cause each other (a cycle of user-made exceptions). */
  private static final int MAX_WRAPPERS = 32;

  private FutureFailures() {}

  /**
   * {@code error} without its {@link CompletionException} and {@link ExecutionException} wrappers
   * (dependent stages and {@code Future.get} add them): the first cause that is neither, or the
   * last wrapper when it has no cause or the walk passes {@value #MAX_WRAPPERS} of them.
   */
  @Nullable
  public static Throwable unwrap(@Nullable Throwable error) {
    Throwable t = error;
    for (int i = 0;
        i < MAX_WRAPPERS
            && (t instanceof CompletionException || t instanceof ExecutionException)
            && t.getCause() != null;
        i++) {
      t = t.getCause();
    }
    return t;
  }
}
