package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.etlkit.operators.json.UnknownFields;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A type read through a builder nested in it, reached only through an interface-typed field (which
 * the field rules do not walk), reads back its own written-only properties under {@code
 * DEAD_LETTER}: the builder's enclosing type names it in {@code @JsonDeserialize(builder = …)}.
 * Before, only builders the rules' walk met were known, and such a type's written-only property was
 * an unknown field (session 32 noted it as a small regression of the walk).
 */
class BuilderBehindInterfaceReadBackTest {

  /** What the holder declares; Jackson reads it as a {@link Badge}. */
  @JsonDeserialize(as = Badge.class)
  public interface Named {
    String getName();
  }

  /** Read through its nested builder, with a derived getter that is written and never bound. */
  @JsonDeserialize(builder = Badge.Builder.class)
  public static final class Badge implements Named {
    private final String name;

    private Badge(String name) {
      this.name = name;
    }

    @Override
    public String getName() {
      return name;
    }

    public String getUpper() {
      return name.toUpperCase(Locale.ROOT);
    }

    /** The builder Jackson reads a badge with. */
    @JsonPOJOBuilder(withPrefix = "")
    public static final class Builder {
      private String name;

      public Builder name(String value) {
        name = value;
        return this;
      }

      public Badge build() {
        return new Badge(name);
      }
    }
  }

  public static class Holder {
    public Named badge;
  }

  @Test
  void nestedBuilderBehindAnInterface_readsBackItsOwnWrite_withUnknownFieldsDeadLetter()
      throws Exception {
    Holder holder = new Holder();
    holder.badge = new Badge("a");
    byte[] json = new JsonRecordWriter<>(Holder.class, false).writeBytes(holder);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo("{\"badge\":{\"name\":\"a\",\"upper\":\"A\"}}");

    Holder read =
        ReaderFixtures.of(Holder.class).unknown(UnknownFields.DEAD_LETTER).reader().read(json);

    assertThat(read.badge.getName()).isEqualTo("a");
  }

  @Test
  void nestedBuilderBehindAnInterface_aFieldNoTypeWrites_isStillUnknown() {
    byte[] json =
        "{\"badge\":{\"name\":\"a\",\"colour\":\"red\"}}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(
            () ->
                ReaderFixtures.of(Holder.class)
                    .unknown(UnknownFields.DEAD_LETTER)
                    .reader()
                    .read(json))
        .hasMessageContaining("UNKNOWN_FIELD")
        .hasMessageContaining("$.badge");
  }
}
