package dev.etlkit.operators.avro.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A text buffer limited in UTF-8 bytes: stores while it has at most the limit's count of chars,
 * counts the UTF-8 bytes of all it was given.
 */
class LimitedTextTest {

  private static final String[] TEXTS = {
    "",
    "ascii",
    "käse",
    "€",
    "\uD83D\uDE00",
    "a\uD800",
    "\uDC00b",
    "\uD800\uD800\uDC00",
    "\uDC00\uD800",
    "\uD83D\uDE00\uD83D",
    "\u07FF\u0800\uFFFF",
    "x\uD83D\uDE00€\uD800ä\uDE00\uD83D\uDE00y"
  };

  private static int utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /** {@code text} written in two parts split at {@code split}, in each of the Writer's forms. */
  private static void write(LimitedText out, String text, int split, int form) {
    String first = text.substring(0, split);
    String second = text.substring(split);
    switch (form) {
      case 0:
        out.write(first, 0, first.length());
        out.write(second, 0, second.length());
        break;
      case 1:
        out.write(first.toCharArray(), 0, first.length());
        out.write(("##" + second).toCharArray(), 2, second.length());
        break;
      default:
        for (int i = 0; i < text.length(); i++) {
          out.write(text.charAt(i));
        }
    }
  }

  @Test
  void utf8Length_isTheLengthOfGetBytesUtf8_atEveryLimitAndSplit() {
    LimitedText out = new LimitedText();
    for (String text : TEXTS) {
      for (int limit = 0; limit <= text.length() + 1; limit++) {
        for (int split = 0; split <= text.length(); split++) {
          for (int form = 0; form < 3; form++) {
            out.start(limit);
            write(out, text, split, form);
            String what = text + " limit " + limit + " split " + split + " form " + form;

            assertThat(out.utf8Length()).as(what).isEqualTo(utf8(text));
            assertThat(out.isOverLimit()).as(what).isEqualTo(text.length() > limit);
            if (text.length() <= limit) {
              assertThat(out.text()).as(what).isEqualTo(text);
            }
          }
        }
      }
    }
  }

  @Test
  void utf8Length_ofRandomTextsSplitAnywhere_isTheLengthOfGetBytesUtf8() {
    // surrogates paired and not, split across writes, the limit anywhere among them
    char[] alphabet = {'a', 'ä', '€', '\uD83D', '\uDE00', '\uD800', '\uDC00', '\u07FF'};
    Random random = new Random(42);
    LimitedText out = new LimitedText();
    for (int round = 0; round < 5_000; round++) {
      char[] chars = new char[random.nextInt(40)];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = alphabet[random.nextInt(alphabet.length)];
      }
      String text = new String(chars);
      int limit = random.nextInt(50);
      out.start(limit);
      write(out, text, random.nextInt(text.length() + 1), random.nextInt(3));

      assertThat(out.utf8Length()).as(text).isEqualTo(utf8(text));
      assertThat(out.isOverLimit()).isEqualTo(text.length() > limit);
    }
  }

  @Test
  void farOverTheLimit_storesNoMoreCharsThanTheLimit_andKeepsNoText() throws Exception {
    LimitedText out = new LimitedText();
    out.start(1_000);
    String chunk = "€".repeat(999) + "\uD83D";
    for (int i = 0; i < 1_000; i++) {
      out.write(chunk, 0, chunk.length());
      out.write("\uDE00");
    }

    assertThat(out.utf8Length()).isEqualTo(1_000L * (999 * 3 + 4));
    assertThat(out.capacity()).isLessThanOrEqualTo(1_000);
    assertThatThrownBy(out::text)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("more chars written than the limit 1000");
  }

  @Test
  void start_forgetsTheLastRecord_andRelease_dropsOnlyAHugeBuffer() throws Exception {
    LimitedText out = new LimitedText();
    out.start(2);
    out.write("abc");
    out.start(Integer.MAX_VALUE);
    out.write("d\uD800");
    assertThat(out.text()).isEqualTo("d\uD800");
    assertThat(out.utf8Length()).isEqualTo(2);

    out.write("x".repeat(LimitedText.MAX_RETAINED_CHARS));
    out.release();

    assertThat(out.capacity()).isLessThanOrEqualTo(256);
    out.start(Integer.MAX_VALUE);
    out.write("ok");
    assertThat(out.text()).isEqualTo("ok");
  }
}
