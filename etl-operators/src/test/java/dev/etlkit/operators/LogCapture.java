package dev.etlkit.operators;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures every log event of every level (with stack traces) while open: for tests that no payload
 * or credential reaches a log. Shared by the Avro and the lookup tests.
 */
public final class LogCapture extends AbstractAppender implements AutoCloseable {

  private final List<String> lines = new ArrayList<>();
  private final LoggerConfig root;
  private final Level previousLevel;

  private LogCapture() {
    super("etlkit-log-capture", null, null, true, Property.EMPTY_ARRAY);
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    root = context.getConfiguration().getRootLogger();
    previousLevel = root.getLevel();
    start();
    root.addAppender(this, Level.ALL, null);
    root.setLevel(Level.ALL);
    context.updateLoggers();
  }

  public static LogCapture capture() {
    return new LogCapture();
  }

  @Override
  public synchronized void append(LogEvent event) {
    StringBuilder line = new StringBuilder(event.getMessage().getFormattedMessage());
    if (event.getThrown() != null) {
      StringWriter trace = new StringWriter();
      event.getThrown().printStackTrace(new PrintWriter(trace));
      line.append('\n').append(trace);
    }
    lines.add(line.toString());
  }

  public synchronized String all() {
    return String.join("\n", lines);
  }

  @Override
  public void close() {
    root.removeAppender(getName());
    root.setLevel(previousLevel);
    ((LoggerContext) LogManager.getContext(false)).updateLoggers();
    stop();
  }
}
