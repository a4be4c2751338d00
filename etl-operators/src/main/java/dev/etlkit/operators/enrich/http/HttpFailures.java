package dev.etlkit.operators.enrich.http;

import java.io.IOException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import javax.annotation.Nullable;

/**
 * How the HTTP lookup's failures are classified (retryable or permanent) and worded: failures named
 * by status and class, never by URL, key, header or body.
 */
final class HttpFailures {
  private HttpFailures() {}

  /** The {@code Retry-After} is kept for a retryable status only: no wait helps the others. */
  static HttpLookupException status(int status, @Nullable Duration retryAfter) {
    boolean retryable = status == 408 || status == 429 || (status >= 500 && status <= 599);
    return new HttpLookupException(
        "HTTP lookup got status " + status + (retryable ? " (retryable)" : " (permanent)"),
        retryable,
        status,
        retryable ? retryAfter : null);
  }

  static HttpLookupException of(Throwable error, Duration requestTimeout, Duration connectTimeout) {
    if (error instanceof HttpLookupException) {
      return (HttpLookupException) error;
    }
    if (error instanceof HttpConnectTimeoutException) {
      return withTraceOf(
          error,
          new HttpLookupException(
              "HTTP lookup timed out connecting (connectTimeout "
                  + connectTimeout
                  + "): "
                  + error.getClass().getSimpleName(),
              true,
              0,
              null));
    }
    if (error instanceof HttpTimeoutException) {
      return withTraceOf(
          error,
          new HttpLookupException(
              "HTTP lookup timed out (requestTimeout "
                  + requestTimeout
                  + "): "
                  + error.getClass().getSimpleName(),
              true,
              0,
              null));
    }
    if (error instanceof IOException) {
      return withTraceOf(
          error,
          new HttpLookupException(
              "HTTP lookup request failed: " + error.getClass().getSimpleName(), true, 0, null));
    }
    if (error instanceof CancellationException) {
      return closed();
    }
    if (error instanceof NumberFormatException && thrownReadingAHeader(error)) {
      // The JDK client parses Content-Length to frame the body and throws this for a value that
      // is no number: a broken server or proxy, which a retry may reach the other side of.
      return withTraceOf(
          error,
          new HttpLookupException(
              "HTTP lookup got a response with a numeric header (Content-Length) that is no"
                  + " number",
              true,
              0,
              null));
    }
    return unexpected(error);
  }

  /** Whether the JDK client threw {@code error} reading a response header as a number. */
  private static boolean thrownReadingAHeader(Throwable error) {
    for (StackTraceElement frame : error.getStackTrace()) {
      if (frame.getClassName().equals("java.net.http.HttpHeaders")
          && frame.getMethodName().startsWith("firstValueAs")) {
        return true;
      }
    }
    return false;
  }

  /** The whole response, body included, did not arrive within the request timeout. */
  static HttpLookupException timedOut(Duration requestTimeout) {
    return new HttpLookupException(
        "HTTP lookup timed out (requestTimeout "
            + requestTimeout
            + "): the response did not end in time",
        true,
        0,
        null);
  }

  static HttpLookupException overloaded(int maxConcurrentRequests) {
    return new HttpLookupException(
        "HTTP lookup overloaded: "
            + maxConcurrentRequests
            + " requests in flight (maxConcurrentRequests); lower the step's capacity or raise"
            + " it",
        true,
        0,
        null);
  }

  static HttpLookupException closed() {
    return permanent("HTTP lookup is closed");
  }

  static HttpLookupException permanent(String message) {
    return new HttpLookupException(message, false, 0, null);
  }

  static HttpLookupException unexpected(Throwable e) {
    return withTraceOf(
        e, permanent("HTTP lookup failed unexpectedly: " + e.getClass().getSimpleName()));
  }

  static HttpLookupException withTraceOf(Throwable underlying, HttpLookupException e) {
    e.setStackTrace(underlying.getStackTrace());
    return e;
  }
}
