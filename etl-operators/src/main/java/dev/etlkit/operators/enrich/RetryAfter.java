package dev.etlkit.operators.enrich;

import java.time.Duration;
import java.util.Optional;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A lookup failure that says when the source can answer again, as an HTTP server's {@code
 * Retry-After} header does. When an attempt fails with one (the future's exception, or a cause of
 * it within a {@code CompletionException}), the step waits at least that long before its retry: the
 * longer of it and the {@linkplain LookupRetry#withBackoff backoff}. A retry that could not start
 * before every record waiting for it reaches its step timeout is not made: the records get the
 * failure (their fallback) at once, instead of a retry the source asked not to get. {@link
 * dev.etlkit.operators.enrich.http.HttpLookupException} is one.
 */
@PublicEvolving
public interface RetryAfter {

  /**
   * How long the source asked to wait before it is asked again, if it said; never null. A negative
   * wait counts as none; waits over a year as a year (beyond any step timeout).
   */
  Optional<Duration> retryAfter();
}
