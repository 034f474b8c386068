import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The chart of the 1 s profile's sweep (benchmarks-fast.png): one bar per pause length, its height the false
 * failovers per pause, labelled with their count. Part of {@link FastProfile}.
 */
final class SweepChart {
    private static final int LEFT = 70;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int PLOT_H = 220;
    private static final int SLOT = 130;

    private SweepChart() {
    }

    static void draw(List<FastProfile.Point> points, String title, Color bars, Path png) throws IOException {
        int width = LEFT + SLOT * points.size() + RIGHT;
        BufferedImage img = new BufferedImage(width, TOP + PLOT_H + 60, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Report.canvas(img, title, 10);
        for (int pct = 0; pct <= 100; pct += 25) {
            int y = TOP + PLOT_H - PLOT_H * pct / 100;
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(LEFT, y, width - RIGHT, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(pct + " %", LEFT - 8 - g.getFontMetrics().stringWidth(pct + " %"), y + 4);
        }
        for (int i = 0; i < points.size(); i++) {
            FastProfile.Point p = points.get(i);
            int x = LEFT + SLOT * i + SLOT / 4;
            int h = (int) Math.round((double) PLOT_H * p.failovers() / p.pauses());
            g.setColor(bars);
            g.fillRect(x, TOP + PLOT_H - h, SLOT / 2, Math.max(h, 1));
            g.setColor(Color.BLACK);
            centred(g, p.failovers() + "/" + p.pauses(), x + SLOT / 4, TOP + PLOT_H - h - 5);
            centred(g, Report.fmt(p.fraction()) + " × (" + p.ms() + " ms)", x + SLOT / 4, TOP + PLOT_H + 18);
        }
        g.drawString("pause length, as a fraction of the detection window", LEFT, TOP + PLOT_H + 42);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    private static void centred(Graphics2D g, String text, int x, int y) {
        g.drawString(text, x - g.getFontMetrics().stringWidth(text) / 2, y);
    }
}
