package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.Order;
import dev.etlkit.operators.json.UnknownFields;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A type id in a payload can never make the parser build a class the type does not name. */
class PolymorphicTypingTest {

  /** A class whose construction the tests would notice. */
  public static class Gadget extends Base {
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();

    public Gadget() {
      CONSTRUCTED.incrementAndGet();
    }
  }

  /** A base class whose author asked for class-name type ids: still refused. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
  public abstract static class Base {}

  /** Holds a polymorphic value. */
  public static class Holder {
    public Base item;
  }

  private static final String GADGET = Gadget.class.getName();

  @BeforeEach
  void reset() {
    Gadget.CONSTRUCTED.set(0);
  }

  @Test
  void classIdsInAPayload_areOrdinaryUnknownFields() throws Exception {
    JsonRecordReader<Order> reader = ReaderFixtures.of(Order.class).reader();

    Order o =
        reader.read(
            utf8(
                "{\"@class\":\""
                    + GADGET
                    + "\",\"customerNumber\":1,"
                    + "\"tags\":{\"@class\":\""
                    + GADGET
                    + "\"},"
                    + "\"extra\":[\""
                    + GADGET
                    + "\",{}]}"));

    assertThat(o.customerNumber).isEqualTo(1L);
    assertThat(o.tags).containsEntry("@class", GADGET);
    assertThat(Gadget.CONSTRUCTED).hasValue(0);
  }

  @Test
  void classIdsInAPayload_withDeadLetterPolicy_areRejectedAsUnknown() {
    JsonRecordReader<Order> reader =
        ReaderFixtures.of(Order.class).unknown(UnknownFields.DEAD_LETTER).reader();

    JsonRecordException e =
        catchThrowableOfType(
            JsonRecordException.class,
            () -> reader.read(utf8("{\"@class\":\"" + GADGET + "\",\"customerNumber\":1}")));

    assertThat(e.reason()).isEqualTo(JsonRecordException.Reason.UNKNOWN_FIELD);
    assertThat(Gadget.CONSTRUCTED).hasValue(0);
  }

  @Test
  void classIds_evenWhereTheTypeAsksForThem_areDenied() {
    JsonRecordReader<Holder> reader = ReaderFixtures.of(Holder.class).reader();

    JsonRecordException e =
        catchThrowableOfType(
            JsonRecordException.class,
            () -> reader.read(utf8("{\"item\":{\"@class\":\"" + GADGET + "\"}}")));

    assertThat(e)
        .hasMessage(
            "INVALID_VALUE: type ids are not accepted (polymorphic typing is disabled) at $.item");
    assertThat(e.getMessage()).doesNotContain(GADGET);
    assertThat(Gadget.CONSTRUCTED).hasValue(0);
  }
}
