package dev.etlkit.operators.enrich;

import org.apache.flink.annotation.PublicEvolving;

/**
 * A lookup failure that says whether trying again can help. The default {@link LookupRetry} retries
 * every failure except one that implements this interface and answers {@code false} (the future's
 * exception, or its cause within {@code CompletionException}s and {@code ExecutionException}s), in
 * a call of its own or as a key's failure in a {@link PartialLookupException}: a key that cannot be
 * sent, a status 400, an SQL syntax error are final at once, without a retry. An explicit {@link
 * LookupRetry#withRetryOn} condition replaces that default ({@link LookupRetry#DEFAULT_RETRY_ON},
 * which a condition can build on). {@link dev.etlkit.operators.enrich.http.HttpLookupException} and
 * {@link dev.etlkit.operators.enrich.jdbc.JdbcLookupException} are ones; your own lookup's
 * exceptions can implement it too.
 */
@PublicEvolving
public interface LookupFailure {

  /**
   * Whether the same call may succeed when tried again later. If it throws a {@code
   * RuntimeException}, the failure is retried as one that says nothing; an {@code Error} fails the
   * task, as from any user code.
   */
  boolean retryable();
}
