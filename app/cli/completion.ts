/** Shell completion scripts generated from the command definitions (app/cli/main.ts). */
import type { Command } from "commander";

interface Spec {
  name: string;
  options: string[];
}

function specs(root: Command): Spec[] {
  const flags = (cmd: Command) => cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));
  return root.commands.map((cmd) => ({ name: cmd.name(), options: [...flags(cmd), "--help", ...flags(root)] }));
}

export function completionScript(root: Command, shell: "bash" | "zsh"): string {
  const all = specs(root);
  const cases = all.map((s) => `    ${s.name}) opts="${s.options.join(" ")}" ;;`).join("\n");
  const bash = `# pgs completion for bash: eval "$(pgs completion bash)"
_pgs() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd="" opts="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in -*) ;; *) cmd=\${COMP_WORDS[i]}; break ;; esac
  done
  if [[ -z $cmd ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${all.map((s) => s.name).join(" ")} help --help --version --stack" -- "$cur")
    return
  fi
  case $cmd in
${cases}
  esac
  mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
}
complete -F _pgs pgs`;
  return shell === "bash"
    ? bash
    : `# pgs completion for zsh: eval "$(pgs completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash}`;
}
