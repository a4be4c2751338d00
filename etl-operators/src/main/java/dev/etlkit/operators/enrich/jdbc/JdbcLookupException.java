package dev.etlkit.operators.enrich.jdbc;

import dev.etlkit.operators.enrich.LookupFailure;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Why a {@link JdbcLookup} call failed: the exception its futures complete with. {@link
 * #retryable()} tells the step's retry whether trying again can help (no connection, a timeout, a
 * full queue, a serialization failure) or not (a syntax error, a missing table or column, bad
 * credentials, a row mapper that throws, a key that cannot be bound). The default {@link
 * dev.etlkit.operators.enrich.LookupRetry} retries only the retryable ones ({@link LookupFailure}).
 *
 * <p>The message names what failed, the underlying exception classes and the SQLState, never a key,
 * a row value, the JDBC URL or credentials: a driver's own message may quote all of them, so it is
 * not copied. For the same reason there is no cause; the stack trace is that of the underlying
 * error, for debugging.
 */
@PublicEvolving
public final class JdbcLookupException extends RuntimeException implements LookupFailure {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;
  @Nullable private final String sqlState;

  public JdbcLookupException(String message, boolean retryable, @Nullable String sqlState) {
    super(message);
    this.retryable = retryable;
    this.sqlState = sqlState;
  }

  /** Whether the same call may succeed when tried again later. */
  @Override
  public boolean retryable() {
    return retryable;
  }

  /** The SQLState of the underlying {@link java.sql.SQLException}, when there is one. */
  public Optional<String> sqlState() {
    return Optional.ofNullable(sqlState);
  }
}
