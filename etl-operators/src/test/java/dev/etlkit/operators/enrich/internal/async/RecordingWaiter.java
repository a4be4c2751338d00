package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.operators.enrich.LookupStatus;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/** A record waiting in an engine test: remembers every answer it got (there must be one). */
final class RecordingWaiter extends Waiter<String> {
  final String name;
  private final List<String> answers = new ArrayList<>();
  @Nullable String value;
  @Nullable LookupStatus status;
  @Nullable Throwable error;
  int attempts = -1;

  RecordingWaiter(String name) {
    this.name = name;
  }

  @Override
  protected synchronized void deliver(@Nullable String value, LookupStatus status, int attempts) {
    this.value = value;
    this.status = status;
    this.attempts = attempts;
    answers.add(value + "/" + status);
  }

  @Override
  protected synchronized void reject(Throwable error, int attempts) {
    this.error = error;
    this.attempts = attempts;
    answers.add("dead-letter/" + error.getClass().getSimpleName());
  }

  synchronized List<String> answers() {
    return new ArrayList<>(answers);
  }

  /** The one answer: {@code value/STATUS} or {@code dead-letter/ErrorClass}; null if none yet. */
  @Nullable
  synchronized String answer() {
    if (answers.size() > 1) {
      throw new AssertionError(name + " was answered " + answers.size() + " times: " + answers);
    }
    return answers.isEmpty() ? null : answers.get(0);
  }
}
