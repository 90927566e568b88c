// The conversation of issue 23, exactly as written there: it must keep passing as written.
export const ISSUE_EXAMPLE = `# 问候 (a comment; the first comment line names the conversation)
> 你好
< 你好！我是你的公众号机器人。发送「帮助」看看我能做什么。

> 复读 hello
< hello

> [subscribe]
< ~感谢关注

> [click ABOUT]
< [news] 关于这个机器人

> [image https://example.com/a.jpg]
< /^收到一张图片/

> [location 39.9 116.4 天安门]
< *

> [scan 42]
< 嗯？我聽不太懂
`;
