package io.keeper.config;

import java.util.regex.Pattern;

/** Masks passwords in raw text that could not be parsed as a conninfo (e.g. in an error message). */
public final class Secrets {

    private static final Pattern KEY_VALUE = Pattern.compile("(password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'?|\\S+)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern URI_USERINFO = Pattern.compile("(://[^:/@\\s]*:)[^@\\s]*@");
    private static final Pattern URI_PARAM = Pattern.compile("([?&]password=)[^&\\s]*", Pattern.CASE_INSENSITIVE);

    private Secrets() {
    }

    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String out = KEY_VALUE.matcher(text).replaceAll("$1********");
        out = URI_USERINFO.matcher(out).replaceAll("$1********@");
        return URI_PARAM.matcher(out).replaceAll("$1********");
    }
}
