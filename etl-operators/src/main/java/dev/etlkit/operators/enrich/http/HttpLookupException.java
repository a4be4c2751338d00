package dev.etlkit.operators.enrich.http;

import dev.etlkit.operators.enrich.LookupFailure;
import dev.etlkit.operators.enrich.RetryAfter;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Why an {@link HttpLookup} call failed: the exception its futures complete with. {@link
 * #retryable()} tells the step's retry whether trying again can help: yes for timeouts, connection
 * errors, status 408, 429 and 5xx, and a full request limit; no for any other status (other 4xx,
 * 3xx, 600 and over), for response bodies that are not valid JSON, exceed the read limits or do not
 * map to the value type, and for a key that cannot be formatted. The default {@link
 * dev.etlkit.operators.enrich.LookupRetry} retries only the retryable ones ({@link LookupFailure}).
 *
 * <p>The message names the status or the underlying exception classes, never a key, the URL, a
 * header or a byte of the response body. For the same reason there is no cause; the stack trace is
 * that of the underlying error, for debugging.
 */
@PublicEvolving
public final class HttpLookupException extends RuntimeException
    implements LookupFailure, RetryAfter {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;
  private final int statusCode;
  @Nullable private final Duration retryAfter;

  /**
   * @param statusCode the response's status, or 0 when there was no response
   * @param retryAfter the server's {@code Retry-After}, when it sent one
   */
  public HttpLookupException(
      String message, boolean retryable, int statusCode, @Nullable Duration retryAfter) {
    super(message);
    this.retryable = retryable;
    this.statusCode = statusCode;
    this.retryAfter = retryAfter;
  }

  /** Whether the same call may succeed when tried again later. */
  @Override
  public boolean retryable() {
    return retryable;
  }

  /** The response's HTTP status, empty when the call failed without a response. */
  public OptionalInt statusCode() {
    return statusCode == 0 ? OptionalInt.empty() : OptionalInt.of(statusCode);
  }

  /**
   * How long the server asked to wait ({@code Retry-After} on a retryable status: 408, 429 or 5xx),
   * when it said: the enrichment step's retry of the call waits at least that long ({@link
   * RetryAfter}). Empty for any other status, whatever the server sent.
   */
  @Override
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
