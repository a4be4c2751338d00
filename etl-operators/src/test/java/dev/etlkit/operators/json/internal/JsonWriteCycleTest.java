package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.etlkit.operators.json.JsonRecordException;
import org.junit.jupiter.api.Test;

/**
 * A cyclic object graph in a record's data is a bad record (Jackson: "Infinite recursion"), not an
 * {@code Error} a getter throws: it stays a {@code WRITE_FAILED} dead letter. Found by a second
 * review on 2026-11-24: before its fix, a cycle that adds no nesting (so Jackson's depth limit did
 * not stop it) failed the task with the {@code StackOverflowError}.
 */
class JsonWriteCycleTest {

  /** Written as the value it refers to; two of them referring to each other form a cycle. */
  public static class Alias {
    public Alias target;

    @JsonValue
    public Object value() {
      return target;
    }
  }

  /** A record holding a cyclic alias. */
  public static class Holder {
    public String id = "h-1";
    public Alias alias;
  }

  @Test
  void write_cyclicDataWithoutNesting_isAWriteFailedRecord_notAStackOverflowError() {
    Alias a = new Alias();
    Alias b = new Alias();
    a.target = b;
    b.target = a;
    Holder holder = new Holder();
    holder.alias = a;

    // Jackson reports the cycle as a JsonMappingException "Infinite recursion (StackOverflowError)"
    // (its cause: the StackOverflowError it caught); no getter threw an Error, the data is cyclic.
    Throwable thrown =
        catchThrowable(() -> new JsonRecordWriter<>(Holder.class, false).writeBytes(holder));

    assertThat(thrown).isInstanceOf(JsonRecordException.class);
    assertThat(((JsonRecordException) thrown).reason())
        .isEqualTo(JsonRecordException.Reason.WRITE_FAILED);
  }
}
